package io.crossrole.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.cli.local.LocalQueues;
import io.crossrole.cli.local.LocalTables;
import io.crossrole.cli.template.SamTemplate;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.AssignmentStore;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.StreamRecords;
import io.crossrole.testing.TestCrossrole;
import io.crossrole.testing.TestFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sts.StsClient;

/** The crossrole command as a user runs it, against the emulator, with the functions' real artifacts. */
@ExtendWith(AwsEmulatorExtension.class)
class CrossroleCliIT {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private Map<String, String> env;
    private DynamoDbClient dynamo;
    private SqsClient sqs;
    private Emulator emulator;

    @BeforeEach
    void setUp(Emulator emulator) {
        this.emulator = emulator;
        emulator.reset();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        env = new HashMap<>(emulator.environment("Grants-" + suffix, "Assignments-" + suffix, "GrantTargets-" + suffix));
        dynamo = DynamoDbClient.builder().endpointOverride(emulator.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))).build();
        new LocalTables(SamTemplate.read(TestFiles.repoRoot().resolve("template.yaml")))
                .create(dynamo, Map.of("GrantsTable", env.get("GRANTS_TABLE"), "AssignmentsTable", env.get("ASSIGNMENTS_TABLE"),
                        "GrantTargetsTable", env.get("GRANT_TARGETS_TABLE")));
        emulator.createOrganization();
        emulator.createMembers(TestCrossrole.MEMBERS);
        sqs = SqsClient.builder().endpointOverride(emulator.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))).build();
        new LocalQueues(SamTemplate.read(TestFiles.repoRoot().resolve("template.yaml"))).create(sqs);
    }

    @AfterEach
    void tearDown() {
        dynamo.close();
        sqs.close();
    }

    /** The Grants table as it was when the stream emitted the event's records: the function reads the table. */
    private String event(String file) {
        StreamRecords.sync(dynamo, env.get("GRANTS_TABLE"), TestFiles.dynamodbEvent(file));
        return TestFiles.event(file).toString();
    }

    private int crossrole(String... args) {
        out.reset();
        err.reset();
        return Crossrole.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env);
    }

    @Test
    void invoke_streamEvent_thenDrain_createsWhatEachRecordSaysAndAReplayChangesNothing() {
        String insert = event("grant-stream/insert.json");

        int exit = crossrole("invoke", "GrantStreamFunction", "--event", insert);

        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString().strip()).isEqualTo("{\"batchItemFailures\":[]}");
        assertThat(store().forGrant("vendor-audit").assignments()).as("the stream only queues").isEmpty();
        assertThat(crossrole("drain", "ReconcileWorkerFunction")).as(out + "" + err).isZero();
        assertThat(out.toString()).contains("crossrole: draining ReconcileQueue.fifo into ReconcileWorkerFunction")
                .contains("3 message(s) delivered, 0 returned for a retry");
        Role created;
        try (IamClient prod = iamIn("111111111111")) {
            created = prod.getRole(r -> r.roleName("UpdateApp")).role();
        }
        List<Assignment> statuses = store().forGrant("vendor-audit").assignments();
        assertThat(statuses).extracting(a -> a.key().stored()).containsExactlyInAnyOrder("111111111111", "012345678901");
        assertThat(statuses).allMatch(a -> a.status() == AssignmentStatus.PROVISIONED && a.message().startsWith("created: "));

        // a create writes twice: the role it is about to create, then the outcome
        assertThat(statuses).allMatch(a -> a.attempts() == 2);
        long updateAppWrites = store().forGrant("prod-updateapp").assignments().get(0).attempts();

        int again = crossrole("invoke", "GrantStreamFunction", "--event", insert);

        assertThat(again).isZero();
        assertThat(crossrole("drain", "ReconcileWorkerFunction")).isZero();
        assertThat(out.toString()).contains("0 message(s) delivered");
        try (IamClient prod = iamIn("111111111111")) {
            assertThat(prod.getRole(r -> r.roleName("UpdateApp")).role().roleId()).isEqualTo(created.roleId());
        }
        assertThat(store().forGrant("prod-updateapp").assignments()).singleElement()
                .satisfies(a -> assertThat(a.attempts()).as("the replay wrote no status either").isEqualTo(updateAppWrites));
        assertThat(store().forGrant("vendor-audit").assignments())
                .allMatch(a -> a.attempts() == 2 && a.status() == AssignmentStatus.PROVISIONED);
    }

    @Test
    void invoke_malformedRecord_isRecordedFailedWhileTheOthersSucceed() {
        int exit = crossrole("invoke", "GrantStreamFunction", "--event", event("grant-stream/malformed.json"));

        assertThat(exit).isZero();
        assertThat(out.toString().strip()).isEqualTo("{\"batchItemFailures\":[]}");
        assertThat(crossrole("drain", "ReconcileWorkerFunction")).isZero();
        assertThat(store().forGrant("broken-grant").assignments()).isNotEmpty()
                .allMatch(a -> a.status() == AssignmentStatus.FAILED && a.message().contains("groups cannot be principals"));
        assertThat(store().forGrant("ci-deployer").assignments()).isNotEmpty().allMatch(a -> a.status() == AssignmentStatus.PROVISIONED);
    }

    @Test
    void invoke_unknownFunctionOrMissingEvent_isAUsageError() {
        assertThat(crossrole("invoke", "NoSuchFunction", "--event", TestFiles.event("grant-stream/insert.json").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("no function NoSuchFunction");
        assertThat(crossrole("invoke", "GrantStreamFunction")).isEqualTo(2);
        assertThat(err.toString()).contains("--event <file> is required");
    }

    @Test
    void demo_runsToTheEndAndShowsTheRolesThenTheRevocation() {
        int exit = crossrole("demo");

        String shown = out.toString();
        assertThat(exit).as(shown + err).isZero();
        assertThat(shown).contains(":role/crossrole-managed/UpdateApp").contains("aws:MultiFactorAuthPresent")
                .contains(":role/crossrole-managed/ThirdPartyAudit").contains("sts:ExternalId")
                .contains("guardrail forbiddenManagedPolicies").contains("guardrail protectedTargets")
                .contains("Developers crossrole-assume-prod-updateapp: Allow sts:AssumeRole")
                .contains("Testers    crossrole-deny-prod-updateapp: Deny sts:AssumeRole").contains("Testers    no Crossrole policy")
                .contains("groups cannot be principals")
                .containsPattern("prod-updateapp +\\d{12} +REVOKED +grant record deleted; role UpdateApp deleted");
    }

    @Test
    void help_listsTheVerbs() {
        assertThat(crossrole("--help")).isZero();
        assertThat(out.toString()).contains("demo").contains("invoke").contains("test");
    }

    private AssignmentStore store() {
        return new AssignmentStore(dynamo, env.get("ASSIGNMENTS_TABLE"));
    }

    private IamClient iamIn(String account) {
        try (StsClient sts = StsClient.builder().endpointOverride(emulator.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))).build()) {
            var c = sts.assumeRole(r -> r.roleArn("arn:aws:iam::" + account + ":role/OrganizationAccountAccessRole").roleSessionName("t")).credentials();
            return IamClient.builder().endpointOverride(emulator.endpoint()).region(Region.AWS_GLOBAL)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsSessionCredentials
                            .create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken()))).build();
        }
    }
}
