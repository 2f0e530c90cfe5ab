package io.crossrole.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.cli.local.LocalQueues;
import io.crossrole.cli.template.SamTemplate;
import io.crossrole.grant.Grant;
import io.crossrole.grant.GrantImages;
import io.crossrole.grant.GrantParser;
import io.crossrole.iam.IamRoleReader;
import io.crossrole.model.AccountId;
import io.crossrole.model.Partition;
import io.crossrole.role.ActualRole;
import io.crossrole.role.DesiredRole;
import io.crossrole.role.RoleDrift;
import io.crossrole.store.AssignmentStatus;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;

/** The scheduled drift check and its queue consumer, run by `crossrole invoke` and `crossrole drain`. */
@ExtendWith(AwsEmulatorExtension.class)
class DriftInvokeIT {
    private static final List<String> ACCOUNTS = List.of("111111111111", "012345678901", "444444444444");
    private static final String GRANT = """
            {"grantId": "app-deploy", "roleName": "AppDeploy", "targets": ["111111111111", "012345678901", "444444444444"],
             "trustedPrincipals": ["arn:aws:iam::222222222222:role/deployer"], "tags": {"team": "platform"},
             "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}""";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private TestCrossrole crossrole;
    private Map<String, String> env;

    @BeforeEach
    void setUp(Emulator emulator) {
        emulator.reset();
        crossrole = new TestCrossrole(emulator, Map.of());
        env = new HashMap<>(emulator.environment(crossrole.config().grantsTable(), crossrole.config().assignmentsTable(),
                crossrole.config().grantTargetsTable()));
        new LocalQueues(SamTemplate.read(TestFiles.repoRoot().resolve("template.yaml"))).create(crossrole.observerSqs());
        crossrole.putGrant(GRANT);
        assertThat(crossrole.producer("crossrole-grant-stream").process(StreamRecords.insert(GRANT)).getBatchItemFailures()).isEmpty();
        crossrole.drain();
    }

    @AfterEach
    void tearDown() {
        crossrole.close();
    }

    @Test
    void reportThenRemediate_throughTheScheduledFunctionAndItsQueueConsumer() {
        try (IamClient a = crossrole.observerIam(ACCOUNTS.get(0)); IamClient b = crossrole.observerIam(ACCOUNTS.get(1));
             IamClient c = crossrole.observerIam(ACCOUNTS.get(2))) {
            a.attachRolePolicy(r -> r.roleName("AppDeploy").policyArn("arn:aws:iam::aws:policy/AdministratorAccess"));
            b.untagRole(r -> r.roleName("AppDeploy").tagKeys("team"));
            // moto clears the description when UpdateRole omits it: pass it so that only the max session changes
            c.updateRole(r -> r.roleName("AppDeploy").description("Managed by Crossrole for grant app-deploy").maxSessionDuration(43200));
        }
        Map<String, ActualRole> before = roles();

        assertThat(crossrole("invoke", "DriftCheckFunction", "--event", TestFiles.event("drift-check/scheduled.json").toString()))
                .as(err.toString()).isZero();
        assertThat(out.toString()).as("every ACTIVE account of the organization").contains("\"accountsQueued\":" + TestCrossrole.MEMBERS.size());
        assertThat(crossrole("drain", "DriftCheckWorkerFunction")).as(out + "" + err).isZero();

        assertThat(roles()).as("report mode writes nothing to IAM").isEqualTo(before);
        assertThat(crossrole.assignment("app-deploy", ACCOUNTS.get(0)).message())
                .isEqualTo("drift: attached arn:aws:iam::aws:policy/AdministratorAccess not in grant");
        assertThat(crossrole.assignment("app-deploy", ACCOUNTS.get(1)).message()).isEqualTo("drift: tag team=platform from the grant is missing");
        assertThat(crossrole.assignment("app-deploy", ACCOUNTS.get(2)).message()).isEqualTo("drift: max session is 43200 s, grant says 3600 s");
        ACCOUNTS.forEach(acct -> assertThat(crossrole.assignment("app-deploy", acct).status()).isEqualTo(AssignmentStatus.DRIFTED));

        env.put("DRIFT_MODE", "remediate");
        assertThat(crossrole("invoke", "DriftCheckFunction", "--event", TestFiles.event("drift-check/scheduled.json").toString())).isZero();
        assertThat(crossrole("drain", "DriftCheckWorkerFunction")).isZero();
        assertThat(roles()).as("the drift worker only queues the repairs").isEqualTo(before);
        assertThat(crossrole("drain", "ReconcileWorkerFunction")).as(out + "" + err).isZero();
        assertThat(out.toString()).contains("3 message(s) delivered, 0 returned for a retry");

        Grant grant = new GrantParser(Partition.AWS, crossrole.config().limits(), TestCrossrole.PATH)
                .parse(GrantImages.fromJson(GRANT)).grant().orElseThrow();
        roles().forEach((account, role) -> assertThat(RoleDrift.describe(role, DesiredRole.of(grant, AccountId.of(account))))
                .as(role.arn()).isEmpty());
        ACCOUNTS.forEach(acct -> assertThat(crossrole.assignment("app-deploy", acct).status()).isEqualTo(AssignmentStatus.PROVISIONED));
    }

    @Test
    void aScheduleRulesEvent_andEventBridgeSchedulersPayload_bothStartTheRun_throughTheLambdaRuntime() {
        for (String event : List.of("drift-check/scheduled.json", "drift-check/scheduler.json")) {
            assertThat(crossrole("invoke", "DriftCheckFunction", "--event", TestFiles.event(event).toString())).as(event + ": " + err)
                    .isZero();
            assertThat(out.toString()).as(event).contains("\"mode\":\"report\"").contains("\"accountsQueued\":" + TestCrossrole.MEMBERS.size());
        }
    }

    private Map<String, ActualRole> roles() {
        Map<String, ActualRole> out = new HashMap<>();
        for (String account : ACCOUNTS) {
            try (IamClient iam = crossrole.observerIam(account)) {
                out.put(account, new IamRoleReader().read(iam, "AppDeploy", true).orElseThrow());
            }
        }
        return out;
    }

    private int crossrole(String... args) {
        out.reset();
        err.reset();
        return Crossrole.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env);
    }
}
