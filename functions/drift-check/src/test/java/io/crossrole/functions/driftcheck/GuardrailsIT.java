package io.crossrole.functions.driftcheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import io.crossrole.iam.IamRoleReader;
import io.crossrole.producer.GrantStreamProducer;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.StreamRecords;
import io.crossrole.testing.TestCrossrole;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/**
 * The guardrails and "only the table's current state counts", against the emulator's real organization (its accounts
 * were created in it, so membership is Organizations' answer, not the fixture's). Under the default guardrails a grant
 * asking for AdministratorAccess, trusting an account outside the organization, targeting the management account or
 * allowing an escalation is FAILED with a reason naming the guardrail and nothing reaches IAM; the same grants go
 * through when the document allows them.
 */
@ExtendWith(AwsEmulatorExtension.class)
class GuardrailsIT {
    private static final String MANAGEMENT = "123456789012";
    private static final String OUTSIDER = "444455556666";
    private static final String EXTERNAL_ID = "Unique-3rd-party-ID-7f3c1e9a";

    private Emulator emulator;
    private TestCrossrole crossrole;
    private GrantStreamProducer stream;
    private String root;
    private String prod;
    private String dev;

    @BeforeEach
    void setUp(Emulator emulator) {
        this.emulator = emulator;
        emulator.reset();
        start(Map.of("CROSSROLE_GUARDRAILS", ""));
        root = crossrole.root();
        prod = crossrole.createAccount("prod", root, root);
        dev = crossrole.createAccount("dev", root, root);
    }

    @AfterEach
    void tearDown() {
        crossrole.close();
    }

    private void start(Map<String, String> env) {
        if (crossrole != null) {
            crossrole.close();
        }
        crossrole = new TestCrossrole(emulator, env);
        stream = crossrole.producer("crossrole-grant-stream");
    }

    /** Writes the grant to the Grants table and delivers the stream record that write makes; the worker drains. */
    private StreamsEventResponse put(String json) {
        return deliver(crossrole.sync(StreamRecords.insert(json)));
    }

    /** Delivers stream records as they are (the table is not changed), then the worker drains what they queued. */
    private StreamsEventResponse deliver(DynamodbEvent event) {
        StreamsEventResponse response = stream.process(event);
        crossrole.drain();
        return response;
    }

    private String grant(String grantId, String roleName, List<String> targets, String rest) {
        return "{\"grantId\": \"" + grantId + "\", \"roleName\": \"" + roleName + "\", \"targets\": [\""
                + String.join("\", \"", targets) + "\"]" + (rest.isEmpty() ? "" : ", " + rest) + "}";
    }

    private void assertRefusedWithNothingWritten(String grantId, String account, String... reasons) {
        Assignment a = crossrole.assignment(grantId, account);
        assertThat(a.status()).isEqualTo(AssignmentStatus.FAILED);
        assertThat(a.message()).startsWith("grant refused, nothing was written to IAM: ").contains(reasons);
        assertThat(crossrole.calls().iamWrites()).as("IAM writes").isEmpty();
        assertThat(crossrole.calls().assumedRoles()).as("no owner account is even reached").isEmpty();
    }

    // ------------------------------------------------------------------ each guardrail under the defaults

    @Test
    void administratorAccess_isRefusedNamingTheGuardrail_andNothingReachesIam() {
        put(grant("admin", "Admin", List.of(prod), "\"trustedPrincipals\": [\"" + dev + "\"], "
                + "\"managedPolicyArns\": [\"arn:aws:iam::aws:policy/AdministratorAccess\"]"));

        assertRefusedWithNothingWritten("admin", prod, "managedPolicyArns[0]: guardrail forbiddenManagedPolicies: "
                + "arn:aws:iam::aws:policy/AdministratorAccess is forbidden");
    }

    @Test
    void anAccountOutsideTheOrganization_isRefusedNamingTheGuardrail_andNothingReachesIam() {
        put(grant("outsider", "Vendor", List.of(prod), "\"trustedPrincipals\": [\"" + OUTSIDER + "\"], "
                + "\"externalId\": \"" + EXTERNAL_ID + "\""));

        assertRefusedWithNothingWritten("outsider", prod, "trustedPrincipals[0]: guardrail trustedExternalAccounts: account "
                + OUTSIDER + " is not in this organization");
    }

    @Test
    void theManagementAccount_isRefusedAsATargetNamingTheGuardrail_andNothingReachesIam() {
        put(grant("mgmt", "Ops", List.of(MANAGEMENT), "\"trustedPrincipals\": [\"" + dev + "\"]"));

        assertRefusedWithNothingWritten("mgmt", MANAGEMENT, "targets[0]: guardrail protectedTargets: " + MANAGEMENT
                + " is the organization's management account");
    }

    @Test
    void anInlineEscalation_isRefusedNamingTheGuardrail_andNothingReachesIam() {
        put(grant("escalate", "Escalate", List.of(prod), "\"trustedPrincipals\": [\"" + dev + "\"], \"inlinePolicy\": "
                + "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"iam:PassRole\", \"Resource\": \"*\"}]}"));

        assertRefusedWithNothingWritten("escalate", prod, "inlinePolicy.Statement[0]: guardrail forbiddenActions: ",
                "iam:PassRole matches iam:PassRole on *");
    }

    @Test
    void theSameGrants_goThroughWhenTheDocumentAllowsThem() {
        start(Map.of("CROSSROLE_GUARDRAILS", "{\"trustedExternalAccounts\": [\"" + OUTSIDER + "\"], \"forbiddenManagedPolicies\": [],"
                        + " \"allowManagementAccount\": true}",
                "CROSSROLE_ACCOUNT_ID", dev));

        put(grant("admin", "Admin", List.of(prod), "\"trustedPrincipals\": [\"" + dev + "\"], "
                + "\"managedPolicyArns\": [\"arn:aws:iam::aws:policy/AdministratorAccess\"]"));
        put(grant("outsider", "Vendor", List.of(prod), "\"trustedPrincipals\": [\"" + OUTSIDER + "\"], "
                + "\"externalId\": \"" + EXTERNAL_ID + "\""));
        put(grant("mgmt", "Ops", List.of(MANAGEMENT), "\"trustedPrincipals\": [\"" + dev + "\"]"));

        assertThat(crossrole.assignment("admin", prod).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(crossrole.assignment("outsider", prod).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(crossrole.assignment("mgmt", MANAGEMENT).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(crossrole.roleNames(prod)).contains("Admin", "Vendor");
    }

    @Test
    void anOutsiderWithoutAnExternalId_isRefusedEvenWhenListed() {
        start(Map.of("CROSSROLE_GUARDRAILS", "{\"trustedExternalAccounts\": [\"" + OUTSIDER + "\"]}"));

        put(grant("no-external-id", "Vendor", List.of(prod), "\"trustedPrincipals\": [\"" + OUTSIDER + "\"]"));

        assertRefusedWithNothingWritten("no-external-id", prod, "guardrail externalAccountsRequireExternalId");
    }

    // ------------------------------------------------------------------ required boundary

    @Test
    void requiredBoundary_isGivenToEveryRole_andKeptWhenAGrantTriesToDropOrReplaceIt() {
        start(Map.of("CROSSROLE_GUARDRAILS", "{\"requiredPermissionsBoundary\": \"arn:aws:iam::${AccountId}:policy/CrossroleBoundary\"}"));
        String boundary = "arn:aws:iam::" + prod + ":policy/CrossroleBoundary";
        try (IamClient iam = crossrole.observerIam(prod)) {
            iam.createPolicy(r -> r.policyName("CrossroleBoundary").policyDocument("{\"Version\": \"2012-10-17\", \"Statement\": "
                    + "[{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}]}"));
        }
        String plain = grant("bounded", "Bounded", List.of(prod), "\"trustedPrincipals\": [\"" + dev + "\"]");

        put(plain);

        try (IamClient iam = crossrole.observerIam(prod)) {
            assertThat(new IamRoleReader().read(iam, "Bounded", false).orElseThrow().permissionsBoundaryArn()).contains(boundary);
        }

        crossrole.calls().clear();
        put(plain.replace("}", ", \"permissionsBoundaryArn\": \"arn:aws:iam::aws:policy/ReadOnlyAccess\"}"));

        assertThat(crossrole.assignment("bounded", prod).message()).contains("guardrail requiredPermissionsBoundary")
                .contains("a grant may not replace it");
        assertThat(crossrole.calls().iamWrites()).isEmpty();
        try (IamClient iam = crossrole.observerIam(prod)) {
            assertThat(new IamRoleReader().read(iam, "Bounded", false).orElseThrow().permissionsBoundaryArn()).contains(boundary);
            iam.deleteRolePermissionsBoundary(r -> r.roleName("Bounded"));
        }

        put(plain);
        var drift = crossrole.driftRun(Map.of("CROSSROLE_GUARDRAILS",
                "{\"requiredPermissionsBoundary\": \"arn:aws:iam::${AccountId}:policy/CrossroleBoundary\"}", "DRIFT_MODE", "remediate"),
                Clock.systemUTC());
        drift.scheduled();
        crossrole.drain();

        try (IamClient iam = crossrole.observerIam(prod)) {
            assertThat(new IamRoleReader().read(iam, "Bounded", false).orElseThrow().permissionsBoundaryArn())
                    .as("removed by hand, put back").contains(boundary);
        }
    }

    // ------------------------------------------------------------------ only the table's current state counts

    @Test
    void aDirectInvokeWithAnImageThatIsNotInTheTable_writesNothing() {
        String forged = grant("forged", "Backdoor", List.of(prod), "\"trustedPrincipals\": [\"" + dev + "\"]");

        StreamsEventResponse response = deliver(StreamRecords.insert(forged));

        assertThat(response.getBatchItemFailures()).isEmpty();
        assertThat(crossrole.calls().iamWrites()).isEmpty();
        assertThat(crossrole.calls().assumedRoles()).isEmpty();
        assertThat(crossrole.assignments("forged")).isEmpty();
        assertThat(crossrole.roleNames(prod)).doesNotContain("Backdoor");
    }

    @Test
    void aForgedHugeSequenceNumber_doesNotStopTheNextRealModifyOrDelete() {
        String real = grant("app", "App", List.of(prod), "\"trustedPrincipals\": [\"" + dev + "\"]");
        put(real);
        DynamodbEvent forged = StreamRecords.modify(real, real.replace("\"trustedPrincipals\"",
                "\"managedPolicyArns\": [\"arn:aws:iam::aws:policy/ReadOnlyAccess\"], \"trustedPrincipals\""));
        forged.getRecords().get(0).getDynamodb().setSequenceNumber("9".repeat(40));
        deliver(forged);
        try (IamClient iam = crossrole.observerIam(prod)) {
            assertThat(iam.listAttachedRolePolicies(r -> r.roleName("App")).attachedPolicies())
                    .as("the forged image is not what the table holds").isEmpty();
        }

        put(real.replace("}", ", \"maxSessionDuration\": 7200}"));

        try (IamClient iam = crossrole.observerIam(prod)) {
            assertThat(iam.getRole(r -> r.roleName("App")).role().maxSessionDuration()).isEqualTo(7200);
        }

        crossrole.deleteGrant("app");
        deliver(StreamRecords.remove(real));

        assertThat(crossrole.assignment("app", prod).status()).isEqualTo(AssignmentStatus.REVOKED);
        assertThat(crossrole.roleNames(prod)).doesNotContain("App");
    }

    @Test
    void aForgedRemove_ofAGrantStillInTheTable_revokesNothing() {
        String real = grant("kept", "Kept", List.of(prod), "\"trustedPrincipals\": [\"" + dev + "\"]");
        put(real);

        deliver(StreamRecords.remove(real));

        assertThat(crossrole.assignment("kept", prod).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(crossrole.roleNames(prod)).contains("Kept");
    }

    @Test
    void aGrantDeletedBehindTheFunctionsBack_isReportedByTheDriftCheckAsAnOrphan_andItsRoleLeft() {
        put(grant("ghost", "Ghost", List.of(prod), "\"trustedPrincipals\": [\"" + dev + "\"]"));
        crossrole.deleteGrant("ghost");

        var summary = crossrole.driftRun(Map.of(), Clock.systemUTC()).scheduled();

        Assignment a = crossrole.assignment("ghost", prod);
        assertThat(a.status()).isEqualTo(AssignmentStatus.DRIFTED);
        assertThat(a.message()).startsWith("orphan assignment: grant 'ghost' is not in the Grants table");
        assertThat(summary.get("orphans")).isEqualTo(1);
        assertThat(crossrole.roleNames(prod)).contains("Ghost");
    }

    @Test
    void aQueueMessageAskingTheWorkerToRemediate_underReportMode_repairsNothing() {
        put(grant("app", "App", List.of(prod), "\"trustedPrincipals\": [\"" + dev + "\"]"));
        try (IamClient iam = crossrole.observerIam(prod)) {
            iam.attachRolePolicy(r -> r.roleName("App").policyArn("arn:aws:iam::aws:policy/ReadOnlyAccess"));
        }
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId("m1");
        message.setBody("{\"mode\": \"remediate\", \"accounts\": [\"" + prod + "\"]}");
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(message));

        crossrole.driftRun(Map.of("DRIFT_MODE", "report"), Clock.systemUTC()).consume(event);

        try (IamClient iam = crossrole.observerIam(prod)) {
            assertThat(iam.listAttachedRolePolicies(r -> r.roleName("App")).attachedPolicies()).hasSize(1);
        }
        assertThat(crossrole.assignment("app", prod).status()).isEqualTo(AssignmentStatus.DRIFTED);
    }

    @Test
    void anExistingGrantANewGuardrailRefuses_isReportedFailedByTheNextDriftRun_andNeverDeleted() {
        start(Map.of("CROSSROLE_GUARDRAILS", "{\"forbiddenManagedPolicies\": []}"));
        put(grant("admin", "Admin", List.of(prod), "\"trustedPrincipals\": [\"" + dev + "\"], "
                + "\"managedPolicyArns\": [\"arn:aws:iam::aws:policy/AdministratorAccess\"]"));
        assertThat(crossrole.assignment("admin", prod).status()).isEqualTo(AssignmentStatus.PROVISIONED);

        crossrole.driftRun(Map.of("CROSSROLE_GUARDRAILS", "", "DRIFT_MODE", "remediate"), Clock.systemUTC()).scheduled();

        Assignment a = crossrole.assignment("admin", prod);
        assertThat(a.status()).isEqualTo(AssignmentStatus.FAILED);
        assertThat(a.message()).contains("grant refused, not checked or repaired").contains("guardrail forbiddenManagedPolicies");
        assertThat(crossrole.roleNames(prod)).contains("Admin");
    }

    // ------------------------------------------------------------------ nothing secret in statuses or logs

    @Test
    void noExternalIdInAnyStatusOrLogLine() {
        start(Map.of("CROSSROLE_GUARDRAILS", "{\"trustedExternalAccounts\": [\"" + OUTSIDER + "\"]}"));
        String attackerId = "attacker-chosen-id-0000";
        try (CapturedLogs logs = new CapturedLogs()) {
            List<String> statuses = new ArrayList<>();
            String vendor = grant("vendor", "Vendor", List.of(prod, dev), "\"trustedPrincipals\": [\"" + OUTSIDER + "\"], "
                    + "\"externalId\": \"" + EXTERNAL_ID + "\"");
            put(vendor);
            try (IamClient iam = crossrole.observerIam(prod)) {
                String trust = IamRoleReader.decode(iam.getRole(r -> r.roleName("Vendor")).role().assumeRolePolicyDocument());
                iam.updateAssumeRolePolicy(r -> r.roleName("Vendor").policyDocument(trust.replace(EXTERNAL_ID, attackerId)));
            }
            crossrole.driftRun(Map.of("CROSSROLE_GUARDRAILS", "{\"trustedExternalAccounts\": [\"" + OUTSIDER + "\"]}"),
                    Clock.systemUTC()).scheduled();
            statuses.add(crossrole.assignment("vendor", prod).message());
            crossrole.calls().failNext(c -> c.equals("Iam:UpdateAssumeRolePolicy"), 10, IamException.builder().statusCode(400)
                    .awsErrorDetails(AwsErrorDetails.builder().errorCode("MalformedPolicyDocument").errorMessage("refused").build()).build());
            put(vendor.replace("\"externalId\"", "\"requireMfa\": true, \"externalId\""));
            statuses.add(crossrole.assignment("vendor", prod).message());
            put(vendor.replace(EXTERNAL_ID, EXTERNAL_ID + " with spaces"));
            statuses.add(crossrole.assignment("vendor", prod).message());

            assertThat(statuses).as("the drift, the failed update and the refusal were recorded")
                    .anySatisfy(m -> assertThat(m).contains("trust policy condition StringEquals sts:ExternalId"))
                    .anySatisfy(m -> assertThat(m).contains("IAM refused to update trust policy"))
                    .anySatisfy(m -> assertThat(m).contains("externalId: must be"));
            assertThat(String.join("\n", statuses)).doesNotContain(EXTERNAL_ID).doesNotContain(attackerId);
            assertThat(logs.text()).as("log lines").isNotBlank().doesNotContain(EXTERNAL_ID).doesNotContain(attackerId);
        }
    }
}
