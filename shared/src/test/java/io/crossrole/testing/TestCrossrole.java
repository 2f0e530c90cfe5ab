package io.crossrole.testing;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.Partition;
import io.crossrole.provision.GrantStreamProcessor;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStore;
import io.crossrole.sts.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * Crossrole wired against an emulator as a Lambda function would be, with every call recorded by
 * {@link #calls()}; plus an independent "observer" view of IAM and the Assignments table for assertions
 * (its calls are not recorded).
 *
 * <p>The emulator's organization is created (management account 123456789012, which is also the account Crossrole
 * runs in). Unless a test sets {@code CROSSROLE_GUARDRAILS} itself, it runs under {@link Emulator#FIXTURE_GUARDRAILS}.
 */
public final class TestCrossrole implements AutoCloseable {
    /** The managed role path every role is created under (the default of MANAGED_ROLE_PATH). */
    public static final String PATH = CrossroleConfig.DEFAULT_MANAGED_ROLE_PATH;

    private final Emulator emulator;
    private final AwsCalls calls = new AwsCalls();
    private final Map<String, String> env;
    private final CrossroleConfig config;
    private final AwsClientFactory clients;
    private final DynamoDbClient observerDynamo;

    public TestCrossrole(Emulator emulator, Map<String, String> extraEnv) {
        this.emulator = emulator;
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = new HashMap<>(emulator.environment("Grants-" + suffix, "Assignments-" + suffix, "GrantTargets-" + suffix));
        env.putAll(extraEnv);
        this.env = Map.copyOf(env);
        this.config = CrossroleConfig.from(env);
        this.clients = AwsClientFactory.create(config, List.of(calls));
        this.observerDynamo = DynamoDbClient.builder().endpointOverride(emulator.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))).build();
        TestTables.create(observerDynamo, config.grantsTable(), config.assignmentsTable(), config.grantTargetsTable());
        emulator.createOrganization();
    }

    /** The emulator organization's root ID. */
    public String root() {
        try (OrganizationsClient org = observerOrganizations()) {
            return org.listRoots().roots().get(0).id();
        }
    }

    /**
     * Makes the Grants table hold what a stream batch says it held when its records were written (the last image of
     * each grant; a REMOVE deletes it), as a real stream's table would: the functions act on the table, not the event.
     */
    public DynamodbEvent sync(DynamodbEvent event) {
        return StreamRecords.sync(observerDynamo, config.grantsTable(), event);
    }

    /** Deletes a grant record, as `aws dynamodb delete-item` would. */
    public void deleteGrant(String grantId) {
        observerDynamo.deleteItem(r -> r.tableName(config.grantsTable()).key(Map.of("grantId", AttributeValue.fromS(grantId))));
    }

    public CrossroleConfig config() {
        return config;
    }

    /** The environment this instance's Crossrole runs with (what a function started for the test should get too). */
    public Map<String, String> environment() {
        return env;
    }

    public AwsCalls calls() {
        return calls;
    }

    public AwsClientFactory clients() {
        return clients;
    }

    /** The processor as the function builds it, with backoff that never sleeps. */
    public GrantStreamProcessor processor(String sessionName) {
        return GrantStreamProcessor.create(config, clients, sessionName, noSleepBackoff(), Clock.systemUTC());
    }

    /** The account-events processor as the function builds it, with backoff that never sleeps. */
    public io.crossrole.provision.AccountEventsProcessor accountEventsProcessor(String sessionName) {
        return io.crossrole.provision.AccountEventsProcessor.create(config, clients, sessionName, noSleepBackoff(), Clock.systemUTC());
    }

    /** An Organizations client for arranging the organization (its calls are not recorded). */
    public OrganizationsClient observerOrganizations() {
        return OrganizationsClient.builder().endpointOverride(emulator.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))).build();
    }

    /** Creates an account in the emulator's organization and moves it from the root to {@code parent}. */
    public String createAccount(String name, String root, String parent) {
        try (var org = observerOrganizations()) {
            String request = org.createAccount(r -> r.accountName(name).email(name + "@example.com")).createAccountStatus().id();
            String id = org.describeCreateAccountStatus(r -> r.createAccountRequestId(request)).createAccountStatus().accountId();
            if (!parent.equals(root)) {
                org.moveAccount(r -> r.accountId(id).sourceParentId(root).destinationParentId(parent));
            }
            return id;
        }
    }

    /** Writes a grant record to the Grants table, as `crossrole grant put` would. */
    public void putGrant(String json) {
        observerDynamo.putItem(r -> r.tableName(config.grantsTable())
                .item(io.crossrole.grant.GrantImages.toItem(io.crossrole.grant.GrantImages.fromJson(json))));
    }

    /** The drift run as the drift functions build it, on the given clock (tests move it forward for expiry). */
    public io.crossrole.drift.DriftRun driftRun(Clock clock) {
        return io.crossrole.drift.DriftRun.create(config, clients, "crossrole-drift-check", noSleepBackoff(), clock);
    }

    /** The drift run on this instance's tables with extra settings (DRIFT_MODE, ...), its calls recorded with the others. */
    public io.crossrole.drift.DriftRun driftRun(Map<String, String> settings, Clock clock) {
        Map<String, String> tunedEnv = new HashMap<>(env);
        tunedEnv.putAll(settings);
        CrossroleConfig tuned = CrossroleConfig.from(tunedEnv);
        return io.crossrole.drift.DriftRun.create(tuned, AwsClientFactory.create(tuned, List.of(calls)), "crossrole-drift-check",
                noSleepBackoff(), clock);
    }

    public software.amazon.awssdk.services.sqs.SqsClient observerSqs() {
        return software.amazon.awssdk.services.sqs.SqsClient.builder().endpointOverride(emulator.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))).build();
    }

    public static Backoff noSleepBackoff() {
        return new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(1), d -> { }, new Random(7));
    }

    public DynamoDbClient dynamo() {
        return observerDynamo;
    }

    public List<Assignment> assignments(String grantId) {
        return new AssignmentStore(observerDynamo, config.assignmentsTable(), Clock.systemUTC()).forGrant(grantId);
    }

    public Assignment assignment(String grantId, String accountId) {
        return assignments(grantId).stream().filter(a -> a.accountId().equals(accountId)).findFirst()
                .orElseThrow(() -> new AssertionError("no assignment " + grantId + "/" + accountId + " in " + assignments(grantId)));
    }

    /** The names of the roles in an account, sorted, without the member role Crossrole reaches it through. */
    public List<String> roleNames(String account) {
        try (IamClient iam = observerIam(account)) {
            return iam.listRoles().roles().stream().map(r -> r.roleName())
                    .filter(n -> !n.equals(config.memberRoleName())).sorted().toList();
        }
    }

    /** An IAM client acting inside {@code account}, made outside Crossrole's clients. */
    public IamClient observerIam(String account) {
        StsClient sts = StsClient.builder().endpointOverride(emulator.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))).build();
        Credentials c = sts.assumeRole(r -> r.roleArn(Arn.role(Partition.AWS, AccountId.of(account), "/", "OrganizationAccountAccessRole"))
                .roleSessionName("observer")).credentials();
        sts.close();
        return IamClient.builder().endpointOverride(emulator.endpoint()).region(Region.AWS_GLOBAL)
                .credentialsProvider(StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken())))
                .build();
    }

    @Override
    public void close() {
        clients.close();
        observerDynamo.close();
    }
}
