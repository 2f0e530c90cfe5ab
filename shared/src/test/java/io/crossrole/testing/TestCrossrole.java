package io.crossrole.testing;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.drift.DriftRun;
import io.crossrole.grant.GrantImages;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.Partition;
import io.crossrole.producer.AccountEventsProducer;
import io.crossrole.producer.GrantStreamProducer;
import io.crossrole.reconcile.ReconcileWorker;
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
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.Tag;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
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
    /**
     * The accounts the sample events and most tests name, created in the emulator's organization under its root with
     * these IDs: the worker provisions only in ACTIVE members. Other IDs the tests use (444455556666, 999999999999, ...)
     * are outside it.
     */
    public static final List<String> MEMBERS = List.of("111111111111", "222222222222", "333333333333", "012345678901",
            "444444444444");
    /** The reconcile queue's receives before its dead-letter queue, as template.yaml sets them. */
    public static final int MAX_RECEIVES = 15;
    /** ReconcileQueue's VisibilityTimeout in template.yaml. */
    public static final Duration TEMPLATE_VISIBILITY = Duration.ofSeconds(720);

    private final Emulator emulator;
    private final AwsCalls calls = new AwsCalls();
    private final Map<String, String> env;
    private final CrossroleConfig config;
    private final AwsClientFactory clients;
    private final DynamoDbClient observerDynamo;
    private final SqsClient observerSqs;
    private final String reconcileQueueUrl;
    private final String bulkQueueUrl;
    private final String deadLetterQueueUrl;
    private ReconcileWorker worker;

    public TestCrossrole(Emulator emulator, Map<String, String> extraEnv) {
        this(emulator, extraEnv, true);
    }

    /**
     * @param members whether the organization gets the {@link #MEMBERS} accounts (tests of root and OU expansion build
     *                their organization themselves)
     */
    public TestCrossrole(Emulator emulator, Map<String, String> extraEnv, boolean members) {
        this(emulator, extraEnv, members, TEMPLATE_VISIBILITY);
    }

    /**
     * @param visibility the reconcile queues' visibility timeout: template.yaml's 720 s, or a few seconds where a
     *                   test stands for hours of Lambda retries (a message returned without a new visibility, or
     *                   received and its response lost, comes back after it)
     */
    public TestCrossrole(Emulator emulator, Map<String, String> extraEnv, boolean members, Duration visibility) {
        this.emulator = emulator;
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = new HashMap<>(emulator.environment("Grants-" + suffix, "Assignments-" + suffix, "GrantTargets-" + suffix));
        this.observerSqs = SqsClient.builder().endpointOverride(emulator.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))).build();
        this.deadLetterQueueUrl = observerSqs.createQueue(r -> r.queueName("ReconcileDead-" + suffix + ".fifo")
                .attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true"))).queueUrl();
        String deadLetterArn = observerSqs.getQueueAttributes(r -> r.queueUrl(deadLetterQueueUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        this.reconcileQueueUrl = reconcileQueue("Reconcile-" + suffix + ".fifo", deadLetterArn, visibility);
        this.bulkQueueUrl = reconcileQueue("ReconcileBulk-" + suffix + ".fifo", deadLetterArn, visibility);
        env.put("RECONCILE_QUEUE_URL", reconcileQueueUrl);
        env.put("RECONCILE_BULK_QUEUE_URL", bulkQueueUrl);
        // a retried message is visible again at once: the tests' time does not pass
        env.put("RECONCILE_RETRY_SECONDS", "0");
        env.putAll(extraEnv);
        this.env = Map.copyOf(env);
        this.config = CrossroleConfig.from(env);
        this.clients = AwsClientFactory.create(config, List.of(calls), TestCrossrole::retryWithoutWaits);
        this.observerDynamo = DynamoDbClient.builder().endpointOverride(emulator.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))).build();
        TestTables.create(observerDynamo, config.grantsTable(), config.assignmentsTable(), config.grantTargetsTable());
        emulator.createOrganization();
        if (members) {
            emulator.createMembers(MEMBERS);
        }
    }

    /** A reconcile queue as template.yaml declares ReconcileQueue and ReconcileBulkQueue. */
    private String reconcileQueue(String name, String deadLetterArn, Duration visibility) {
        return observerSqs.createQueue(r -> r.queueName(name).attributes(Map.of(
                QueueAttributeName.FIFO_QUEUE, "true",
                QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "false",
                QueueAttributeName.VISIBILITY_TIMEOUT, String.valueOf(visibility.toSeconds()),
                QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\"" + deadLetterArn + "\",\"maxReceiveCount\":"
                        + MAX_RECEIVES + "}"))).queueUrl();
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

    /** The grant stream's producer as the function builds it. */
    public GrantStreamProducer producer(String sessionName) {
        return GrantStreamProducer.create(config, clients, sessionName, noSleepBackoff(), Clock.systemUTC());
    }

    /** The account events' producer as the function builds it. */
    public AccountEventsProducer accountEventsProducer(String sessionName) {
        return AccountEventsProducer.create(config, clients, sessionName, noSleepBackoff(), Clock.systemUTC());
    }

    /** The reconcile worker as the function builds it, on the given clock. */
    public ReconcileWorker worker(Clock clock) {
        return ReconcileWorker.create(config, clients, "crossrole-reconcile", noSleepBackoff(), clock);
    }

    /**
     * Delivers the reconcile queues (express, then bulk, until both are empty) to the worker, as Lambda's SQS event
     * sources would.
     */
    public SqsEventSource.Drained drain() {
        return drain(1);
    }

    /** As {@link #drain()}, with {@code pollers} concurrent pollers per queue (Lambda concurrency). */
    public SqsEventSource.Drained drain(int pollers) {
        if (worker == null) {
            worker = worker(Clock.systemUTC());
        }
        return drain(worker, pollers);
    }

    /**
     * As {@link #drain()}, the worker configured with extra settings (guardrails, ...) as its function would be, its
     * calls recorded with the others.
     */
    public SqsEventSource.Drained drain(Map<String, String> settings) {
        Map<String, String> tunedEnv = new HashMap<>(env);
        tunedEnv.putAll(settings);
        CrossroleConfig tuned = CrossroleConfig.from(tunedEnv);
        return drain(ReconcileWorker.create(tuned, AwsClientFactory.create(tuned, List.of(calls), TestCrossrole::retryWithoutWaits), "crossrole-reconcile",
                noSleepBackoff(), Clock.systemUTC()), 1);
    }

    private SqsEventSource.Drained drain(ReconcileWorker worker, int pollers) {
        int invocations = 0;
        int delivered = 0;
        int returned = 0;
        SqsEventSource express = expressSource();
        SqsEventSource bulk = bulkSource();
        do {
            for (SqsEventSource source : List.of(express, bulk)) {
                SqsEventSource.Drained d = source.drain(worker::consume, pollers);
                invocations += d.invocations();
                delivered += d.delivered();
                returned += d.returned();
            }
        } while (!express.isEmpty() || !bulk.isEmpty());
        return new SqsEventSource.Drained(invocations, delivered, returned);
    }

    /** The reconcile queue (the express lane) as Lambda's event source reads it (batches of ten, as template.yaml sets). */
    public SqsEventSource expressSource() {
        return new SqsEventSource(observerSqs, reconcileQueueUrl, 10);
    }

    /** The bulk reconcile queue as Lambda's event source reads it. */
    public SqsEventSource bulkSource() {
        return new SqsEventSource(observerSqs, bulkQueueUrl, 10);
    }

    public String reconcileQueueUrl() {
        return reconcileQueueUrl;
    }

    public String bulkQueueUrl() {
        return bulkQueueUrl;
    }

    /** The bodies of the messages in the reconcile dead-letter queue (received and left there). */
    public List<String> deadLetters() {
        return observerSqs.receiveMessage(r -> r.queueUrl(deadLetterQueueUrl).maxNumberOfMessages(10).visibilityTimeout(0))
                .messages().stream().map(Message::body).toList();
    }

    /** An Organizations client for arranging the organization (its calls are not recorded). */
    public OrganizationsClient observerOrganizations() {
        return OrganizationsClient.builder().endpointOverride(emulator.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))).build();
    }

    /** Creates an account in the emulator's organization and moves it from the root to {@code parent}. */
    public String createAccount(String name, String root, String parent) {
        return createAccount(name, root, parent, null);
    }

    /**
     * As {@link #createAccount(String, String, String)}, with the account ID the test names (a tag moto's launcher,
     * cli/bin/moto_server.py, reads; AWS assigns IDs itself); {@code null} for one the emulator picks.
     */
    public String createAccount(String name, String root, String parent, String accountId) {
        try (OrganizationsClient org = observerOrganizations()) {
            List<Tag> tags = accountId == null ? List.of() : List.of(Tag.builder().key(Emulator.ACCOUNT_ID_TAG).value(accountId).build());
            String request = org.createAccount(r -> r.accountName(name).email(name + "@example.com").tags(tags))
                    .createAccountStatus().id();
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
                .item(GrantImages.toItem(GrantImages.fromJson(json))));
    }

    /** The drift run as the drift functions build it, on the given clock (tests move it forward for expiry). */
    public DriftRun driftRun(Clock clock) {
        return DriftRun.create(config, clients, "crossrole-drift-check", noSleepBackoff(), clock);
    }

    /** The drift run on this instance's tables with extra settings (DRIFT_MODE, ...), its calls recorded with the others. */
    public DriftRun driftRun(Map<String, String> settings, Clock clock) {
        Map<String, String> tunedEnv = new HashMap<>(env);
        tunedEnv.putAll(settings);
        CrossroleConfig tuned = CrossroleConfig.from(tunedEnv);
        return DriftRun.create(tuned, AwsClientFactory.create(tuned, List.of(calls), TestCrossrole::retryWithoutWaits), "crossrole-drift-check",
                noSleepBackoff(), clock);
    }

    /** An SQS client outside Crossrole's (its calls are not recorded); closed with this instance. */
    public SqsClient observerSqs() {
        return observerSqs;
    }

    /**
     * The SDK's standard retry strategy (three attempts, the same retryable and throttling errors, the retry quota) without
     * its waits: test time does not pass, and a test that injects faults at high rates runs in seconds.
     */
    public static RetryStrategy retryWithoutWaits() {
        return AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .backoffStrategy(BackoffStrategy.retryImmediately())
                .throttlingBackoffStrategy(BackoffStrategy.retryImmediately())
                .build();
    }

    public static Backoff noSleepBackoff() {
        return new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(1), d -> { }, new Random(7));
    }

    public DynamoDbClient dynamo() {
        return observerDynamo;
    }

    public List<Assignment> assignments(String grantId) {
        return new AssignmentStore(observerDynamo, config.assignmentsTable()).forGrant(grantId).assignments();
    }

    /** A status by its stored key: an account ID, {@code grantee#ARN}, a target ID or {@code #grant}. */
    public Assignment assignment(String grantId, String key) {
        return assignments(grantId).stream().filter(a -> a.key().stored().equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no assignment " + grantId + "/" + key + " in " + assignments(grantId)));
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
        return IamClient.builder().endpointOverride(emulator.endpoint()).region(Region.AWS_GLOBAL)
                .credentialsProvider(observerCredentials(account)).build();
    }

    /**
     * A client of any service acting inside {@code account}, made outside Crossrole's (give S3's builder
     * {@code forcePathStyle(true)}: the emulator serves one host).
     */
    public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C observerClient(String account, B builder) {
        return builder.endpointOverride(emulator.endpoint()).region(Region.US_EAST_1).credentialsProvider(observerCredentials(account))
                .build();
    }

    /**
     * Someone assumes the role and makes one call with its credentials, as a grantee would: IAM records the role's
     * last use (moto sets RoleLastUsed when a request is signed with the role's session keys).
     */
    public void useRole(String roleArn) {
        try (StsClient sts = StsClient.builder().endpointOverride(emulator.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))).build()) {
            Credentials c = sts.assumeRole(r -> r.roleArn(roleArn).roleSessionName("grantee")).credentials();
            try (StsClient as = StsClient.builder().endpointOverride(emulator.endpoint()).region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsSessionCredentials.create(c.accessKeyId(),
                            c.secretAccessKey(), c.sessionToken()))).build()) {
                as.getCallerIdentity();
            }
        }
    }

    private StaticCredentialsProvider observerCredentials(String account) {
        try (StsClient sts = StsClient.builder().endpointOverride(emulator.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))).build()) {
            Credentials c = sts.assumeRole(r -> r.roleArn(Arn.role(Partition.AWS, AccountId.of(account), "/", "OrganizationAccountAccessRole"))
                    .roleSessionName("observer")).credentials();
            return StaticCredentialsProvider.create(AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken()));
        }
    }

    @Override
    public void close() {
        clients.close();
        observerDynamo.close();
        observerSqs.close();
    }
}
