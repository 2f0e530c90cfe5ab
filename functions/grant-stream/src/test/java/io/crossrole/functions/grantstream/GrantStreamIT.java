package io.crossrole.functions.grantstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crossrole.iam.IamRoleReader;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.SqsEventSource;
import io.crossrole.testing.TestCrossrole;
import io.crossrole.testing.TestFiles;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * The grant-stream function against an AWS emulator, fed the real-shaped events in events/grant-stream; the reconcile
 * queues it fills are delivered to the reconcile worker as Lambda's SQS event source would.
 */
@ExtendWith(AwsEmulatorExtension.class)
class GrantStreamIT {
    private static final String PROD = "111111111111";
    private static final String SECOND = "012345678901";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestCrossrole crossrole;
    private GrantStreamHandler handler;

    @BeforeEach
    void setUp(Emulator emulator) {
        emulator.reset();
        crossrole = new TestCrossrole(emulator, Map.of());
        handler = new GrantStreamHandler(crossrole.producer(GrantStreamHandler.SESSION_NAME));
    }

    @AfterEach
    void tearDown() {
        crossrole.close();
    }

    private StreamsEventResponse deliver(String file) {
        return deliver(TestFiles.dynamodbEvent(file));
    }

    /** The Grants table changes as the records say, the stream delivers them, the worker drains the queues. */
    private StreamsEventResponse deliver(DynamodbEvent event) {
        StreamsEventResponse response = handler.handleRequest(crossrole.sync(event), null);
        crossrole.drain();
        return response;
    }

    /** The stream delivers records again, after the table has moved on (Lambda retries, replays). */
    private StreamsEventResponse redeliver(String file) {
        StreamsEventResponse response = handler.handleRequest(TestFiles.dynamodbEvent(file), null);
        crossrole.drain();
        return response;
    }

    @Test
    void insert_createsEachRoleExactlyAsTheRecordSays() throws Exception {
        StreamsEventResponse response = deliver("grant-stream/insert.json");

        assertThat(response.getBatchItemFailures()).isEmpty();
        try (IamClient prod = crossrole.observerIam(PROD)) {
            Role role = prod.getRole(r -> r.roleName("UpdateApp")).role();
            JsonNode trust = JSON.readTree(IamRoleReader.decode(role.assumeRolePolicyDocument()));
            JsonNode statement = firstStatement(trust);
            assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
            assertThat(statement.path("Action").asText()).isEqualTo("sts:AssumeRole");
            assertThat(statement.path("Principal").path("AWS").asText()).isEqualTo("arn:aws:iam::222222222222:root");
            assertThat(statement.path("Condition").path("Bool").path("aws:MultiFactorAuthPresent").asText()).isEqualTo("true");
            assertThat(trust.toString()).doesNotContain("\"*\"");
            assertThat(role.maxSessionDuration()).isEqualTo(3600);
            assertThat(role.description()).isNotBlank();
            Map<String, String> tags = prod.listRoleTags(r -> r.roleName("UpdateApp")).tags().stream()
                    .collect(Collectors.toMap(t -> t.key(), t -> t.value()));
            assertThat(role.path()).isEqualTo(TestCrossrole.PATH);
            assertThat(tags).containsEntry("team", "platform")
                    .containsEntry("crossrole:managed-by", "crossrole")
                    .containsEntry("crossrole:grant-id", "prod-updateapp");
            String inline = IamRoleReader.decode(prod.getRolePolicy(r -> r.roleName("UpdateApp").policyName("crossrole-permissions")).policyDocument());
            assertThat(inline).contains("arn:aws:s3:::productionapp/*").contains("s3:PutObject");

            Role audit = prod.getRole(r -> r.roleName("ThirdPartyAudit")).role();
            JsonNode auditTrust = firstStatement(JSON.readTree(IamRoleReader.decode(audit.assumeRolePolicyDocument())));
            assertThat(auditTrust.path("Principal").path("AWS").asText()).isEqualTo("arn:aws:iam::444455556666:root");
            assertThat(auditTrust.path("Condition").path("StringEquals").path("sts:ExternalId").asText()).isEqualTo("Unique-3rd-party-ID-12345");
            assertThat(prod.listAttachedRolePolicies(r -> r.roleName("ThirdPartyAudit")).attachedPolicies())
                    .extracting(p -> p.policyArn()).containsExactly("arn:aws:iam::aws:policy/SecurityAudit");
        }
        try (IamClient second = crossrole.observerIam(SECOND)) {
            assertThat(second.getRole(r -> r.roleName("ThirdPartyAudit")).role().arn())
                    .isEqualTo("arn:aws:iam::012345678901:role/crossrole-managed/ThirdPartyAudit");
        }
        Assignment a = crossrole.assignment("prod-updateapp", PROD);
        assertThat(a.status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(a.roleArn()).contains("arn:aws:iam::111111111111:role/crossrole-managed/UpdateApp");
        assertThat(a.desiredHash()).isPresent();
        assertThat(crossrole.assignment("vendor-audit", SECOND).status()).isEqualTo(AssignmentStatus.PROVISIONED);
    }

    @Test
    void redelivery_makesNoIamOrStsCall() {
        deliver("grant-stream/insert.json");
        crossrole.calls().clear();

        StreamsEventResponse again = redeliver("grant-stream/insert.json");

        assertThat(again.getBatchItemFailures()).isEmpty();
        assertThat(crossrole.calls().all()).as("an exact replay: one read of the batch's grants, one of each grant's assignments")
                .filteredOn(c -> c.startsWith("DynamoDb:")).containsExactly("DynamoDb:BatchGetItem", "DynamoDb:Query", "DynamoDb:Query");
        assertThat(crossrole.calls().all()).noneMatch(c -> c.startsWith("Iam:") || c.equals("Sts:AssumeRole"));
        assertThat(crossrole.assignment("prod-updateapp", PROD).message()).startsWith("created: ");
    }

    @Test
    void sameGrantUnderANewRecord_isFoundProvisionedWithoutAnyIamCall() {
        deliver("grant-stream/insert.json");
        DynamodbEvent again = TestFiles.dynamodbEvent("grant-stream/insert.json");
        again.getRecords().forEach(r -> r.getDynamodb().setSequenceNumber(r.getDynamodb().getSequenceNumber() + "0"));
        crossrole.calls().clear();

        assertThat(deliver(again).getBatchItemFailures()).isEmpty();

        assertThat(crossrole.calls().all()).noneMatch(c -> c.startsWith("Iam:"));
        assertThat(crossrole.assignment("prod-updateapp", PROD).status()).isEqualTo(AssignmentStatus.PROVISIONED);
    }

    @Test
    void modify_updatesTheRoleInPlace() {
        deliver("grant-stream/insert.json");
        String roleId;
        try (IamClient prod = crossrole.observerIam(PROD)) {
            roleId = prod.getRole(r -> r.roleName("UpdateApp")).role().roleId();
        }

        assertThat(deliver("grant-stream/modify.json").getBatchItemFailures()).isEmpty();

        try (IamClient prod = crossrole.observerIam(PROD)) {
            Role role = prod.getRole(r -> r.roleName("UpdateApp")).role();
            assertThat(role.roleId()).isEqualTo(roleId);
            assertThat(role.maxSessionDuration()).isEqualTo(7200);
            assertThat(prod.listAttachedRolePolicies(r -> r.roleName("UpdateApp")).attachedPolicies())
                    .extracting(p -> p.policyArn()).containsExactly("arn:aws:iam::aws:policy/ReadOnlyAccess");
            assertThat(prod.listRoleTags(r -> r.roleName("UpdateApp")).tags())
                    .anyMatch(t -> t.key().equals("team") && t.value().equals("platform-ops"));
        }
        assertThat(crossrole.assignment("prod-updateapp", PROD).message()).startsWith("updated: ");
    }

    @Test
    void olderEventAfterNewer_appliesTheTableAsItIs_andChangesNothing() {
        deliver("grant-stream/insert.json");
        deliver("grant-stream/modify.json");
        crossrole.calls().clear();

        redeliver("grant-stream/insert.json");

        assertThat(crossrole.calls().iamWrites()).isEmpty();
        try (IamClient prod = crossrole.observerIam(PROD)) {
            assertThat(prod.getRole(r -> r.roleName("UpdateApp")).role().maxSessionDuration()).isEqualTo(7200);
        }
    }

    @Test
    void remove_deletesTheRoleAndRecordsRevoked() {
        deliver("grant-stream/insert.json");
        deliver("grant-stream/modify.json");

        assertThat(deliver("grant-stream/remove.json").getBatchItemFailures()).isEmpty();

        try (IamClient prod = crossrole.observerIam(PROD)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> prod.getRole(r -> r.roleName("UpdateApp")))
                    .isInstanceOf(NoSuchEntityException.class);
            assertThat(prod.getRole(r -> r.roleName("ThirdPartyAudit")).role()).isNotNull();
        }
        Assignment a = crossrole.assignment("prod-updateapp", PROD);
        assertThat(a.status()).isEqualTo(AssignmentStatus.REVOKED);
        assertThat(a.message()).contains("grant record deleted").contains("deleted");
    }

    @Test
    void ttlRemove_revokesInEveryAccountWithTheExpiryAsReason() {
        deliver("grant-stream/insert.json");

        deliver("grant-stream/ttl-remove.json");

        for (String account : List.of(PROD, SECOND)) {
            try (IamClient iam = crossrole.observerIam(account)) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> iam.getRole(r -> r.roleName("ThirdPartyAudit")))
                        .isInstanceOf(NoSuchEntityException.class);
            }
            Assignment a = crossrole.assignment("vendor-audit", account);
            assertThat(a.status()).isEqualTo(AssignmentStatus.REVOKED);
            assertThat(a.message()).contains("grant expired").contains("TTL");
        }
    }

    @Test
    void batchWithAMalformedRecord_provisionsTheGoodOnesAndRecordsWhyTheBadOneFailed() {
        StreamsEventResponse response = deliver("grant-stream/malformed.json");

        assertThat(response.getBatchItemFailures()).isEmpty();
        assertThat(crossrole.assignment("ci-deployer", PROD).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(crossrole.assignment("ops-readonly", SECOND).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        List<Assignment> broken = crossrole.assignments("broken-grant");
        assertThat(broken).isNotEmpty().allSatisfy(a -> {
            assertThat(a.status()).isEqualTo(AssignmentStatus.FAILED);
            assertThat(a.message()).contains("nothing was written to IAM")
                    .contains("roleName:").contains("targets[0]:").contains("targets[1]:")
                    .contains("groups cannot be principals").contains("maxSessionDuration:").contains("inlinePolicy:");
        });
        assertThat(crossrole.calls().iamWrites()).containsExactlyInAnyOrder(
                "Iam:CreateRole", "Iam:AttachRolePolicy", "Iam:CreateRole", "Iam:AttachRolePolicy");
    }

    @Test
    void failureBetweenTwoIamWrites_returnsTheMessage_andItsRedeliveryConverges() {
        crossrole.calls().failNext(c -> c.equals("Iam:AttachRolePolicy"), 1, IamException.builder()
                .statusCode(503).awsErrorDetails(AwsErrorDetails.builder().errorCode("ServiceUnavailable")
                        .errorMessage("injected").build()).build());
        assertThat(handler.handleRequest(crossrole.sync(TestFiles.dynamodbEvent("grant-stream/insert.json")), null)
                .getBatchItemFailures()).as("the stream only queues: no IAM call can fail it").isEmpty();

        SqsEventSource.Drained first = crossrole.expressSource().drain(crossrole.worker(Clock.systemUTC())::consume, 1, 1);

        assertThat(first.delivered()).isEqualTo(3);
        assertThat(first.returned()).as("the vendor-audit message in one account; the other account's group goes on").isEqualTo(1);
        assertThat(crossrole.assignment("prod-updateapp", PROD).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        Assignment pending = crossrole.assignments("vendor-audit").stream()
                .filter(a -> a.status() == AssignmentStatus.PENDING).findFirst().orElseThrow();
        assertThat(pending.message()).startsWith("will retry: ").contains("injected");

        SqsEventSource.Drained rest = crossrole.drain();

        assertThat(rest.delivered()).isEqualTo(1);
        assertThat(rest.returned()).isZero();
        for (String account : List.of(PROD, SECOND)) {
            assertThat(crossrole.assignment("vendor-audit", account).status()).isEqualTo(AssignmentStatus.PROVISIONED);
            try (IamClient iam = crossrole.observerIam(account)) {
                assertThat(iam.listAttachedRolePolicies(r -> r.roleName("ThirdPartyAudit")).attachedPolicies())
                        .extracting(p -> p.policyArn()).containsExactly("arn:aws:iam::aws:policy/SecurityAudit");
            }
        }
    }

    @Test
    void preExistingUnmanagedRole_isAConflictAndLeftUntouched() {
        try (IamClient prod = crossrole.observerIam(PROD)) {
            prod.createRole(r -> r.roleName("UpdateApp").assumeRolePolicyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::333333333333:root\"},\"Action\":\"sts:AssumeRole\"}]}"));
        }

        deliver("grant-stream/insert.json");

        Assignment a = crossrole.assignment("prod-updateapp", PROD);
        assertThat(a.status()).isEqualTo(AssignmentStatus.FAILED);
        assertThat(a.message()).contains("conflict").contains("not created by Crossrole");
        assertThat(crossrole.calls().iamWrites()).as("only vendor-audit's role, in both its accounts (its expiry policy and"
                + " SecurityAudit): nothing on UpdateApp").containsExactlyInAnyOrder("Iam:CreateRole", "Iam:PutRolePolicy",
                "Iam:AttachRolePolicy", "Iam:CreateRole", "Iam:PutRolePolicy", "Iam:AttachRolePolicy");
        try (IamClient prod = crossrole.observerIam(PROD)) {
            assertThat(IamRoleReader.decode(prod.getRole(r -> r.roleName("UpdateApp")).role().assumeRolePolicyDocument()))
                    .contains("333333333333");
            assertThat(prod.listRolePolicies(r -> r.roleName("UpdateApp")).policyNames()).isEmpty();
        }

        deliver("grant-stream/remove.json");
        try (IamClient prod = crossrole.observerIam(PROD)) {
            assertThat(prod.getRole(r -> r.roleName("UpdateApp")).role()).isNotNull();
        }
    }

    @Test
    void twoGrantsClaimingOneRoleName_secondIsAConflict() {
        deliver("grant-stream/insert.json");
        DynamodbEvent other = TestFiles.dynamodbEvent("grant-stream/insert.json");
        var record = other.getRecords().get(0);
        record.getDynamodb().getKeys().get("grantId").setS("another-grant");
        record.getDynamodb().getNewImage().get("grantId").setS("another-grant");
        other.setRecords(List.of(record));

        deliver(other);

        Assignment a = crossrole.assignment("another-grant", PROD);
        assertThat(a.status()).isEqualTo(AssignmentStatus.FAILED);
        assertThat(a.message()).contains("belongs to grant 'prod-updateapp'");
        assertThat(crossrole.assignment("prod-updateapp", PROD).status()).isEqualTo(AssignmentStatus.PROVISIONED);
    }

    @Test
    void hubRole_isAssumedFirstAndTheMemberRoleThroughIt(Emulator emulator) {
        String hub = "arn:aws:iam::999999999999:role/CrossroleHub";
        try (TestCrossrole viaHub = new TestCrossrole(emulator, Map.of("HUB_ROLE_ARN", hub))) {
            GrantStreamHandler hubHandler = new GrantStreamHandler(viaHub.producer(GrantStreamHandler.SESSION_NAME));

            assertThat(hubHandler.handleRequest(viaHub.sync(TestFiles.dynamodbEvent("grant-stream/insert.json")), null)
                    .getBatchItemFailures()).isEmpty();
            assertThat(viaHub.calls().assumedRoles()).as("the stream assumes no role: it only queues").isEmpty();
            viaHub.drain();

            List<String> assumed = viaHub.calls().assumedRoles();
            assertThat(assumed.get(0)).isEqualTo(hub + " by testing");
            assertThat(assumed.subList(1, assumed.size())).isNotEmpty().allSatisfy(member -> {
                assertThat(member).contains(":role/OrganizationAccountAccessRole by ");
                assertThat(member).doesNotEndWith(" by testing");
            });
            assertThat(assumed).hasSize(3);
            assertThat(viaHub.assignment("prod-updateapp", PROD).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        }
    }

    @Test
    void granteeAttach_letsTheDevelopersGroupAssumeExactlyTheRoleAndRemovesItOnRevoke() throws Exception {
        try (IamClient dev = crossrole.observerIam("222222222222")) {
            dev.createGroup(r -> r.groupName("Developers"));
            dev.createGroup(r -> r.groupName("Testers"));
        }
        DynamodbEvent insert = TestFiles.dynamodbEvent("grant-stream/insert.json");
        var record = insert.getRecords().get(0);
        var attach = new com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue();
        attach.setL(List.of(new com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue("arn:aws:iam::222222222222:group/Developers")));
        record.getDynamodb().getNewImage().put("granteeAttach", attach);
        insert.setRecords(List.of(record));

        deliver(insert);

        try (IamClient dev = crossrole.observerIam("222222222222")) {
            String doc = IamRoleReader.decode(dev.getGroupPolicy(r -> r.groupName("Developers")
                    .policyName("crossrole-assume-prod-updateapp")).policyDocument());
            JsonNode statement = firstStatement(JSON.readTree(doc));
            assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
            assertThat(statement.path("Action").asText()).isEqualTo("sts:AssumeRole");
            assertThat(statement.path("Resource").asText()).isEqualTo("arn:aws:iam::111111111111:role/crossrole-managed/UpdateApp");
            assertThat(statement.path("Condition").path("StringEquals").path("aws:ResourceTag/crossrole:grant-id").asText())
                    .isEqualTo("prod-updateapp");
            assertThat(statement.path("Condition").path("StringEquals").path("aws:ResourceOrgID").asText()).startsWith("o-");
            assertThat(dev.listGroupPolicies(r -> r.groupName("Testers")).policyNames()).isEmpty();
        }
        assertThat(crossrole.assignment("prod-updateapp", "grantee#arn:aws:iam::222222222222:group/Developers").status())
                .isEqualTo(AssignmentStatus.PROVISIONED);

        crossrole.calls().clear();
        deliver(insert);
        assertThat(crossrole.calls().iamWrites()).isEmpty();

        deliver("grant-stream/remove.json");
        try (IamClient dev = crossrole.observerIam("222222222222")) {
            assertThat(dev.listGroupPolicies(r -> r.groupName("Developers")).policyNames()).isEmpty();
        }
        assertThat(crossrole.assignment("prod-updateapp", "grantee#arn:aws:iam::222222222222:group/Developers").status())
                .isEqualTo(AssignmentStatus.REVOKED);
    }

    @Test
    void accountDroppedFromTargets_isRevokedThereOnly() {
        deliver("grant-stream/insert.json");
        DynamodbEvent insert = TestFiles.dynamodbEvent("grant-stream/insert.json");
        var record = insert.getRecords().get(1);
        record.setEventName("MODIFY");
        record.getDynamodb().setOldImage(Map.copyOf(record.getDynamodb().getNewImage()));
        var targets = new com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue();
        targets.setSS(List.of(PROD));
        var newImage = new HashMap<>(record.getDynamodb().getNewImage());
        newImage.put("targets", targets);
        record.getDynamodb().setNewImage(newImage);
        record.getDynamodb().setSequenceNumber(record.getDynamodb().getSequenceNumber() + "9");
        insert.setRecords(List.of(record));

        deliver(insert);

        assertThat(crossrole.assignment("vendor-audit", SECOND).status()).isEqualTo(AssignmentStatus.REVOKED);
        assertThat(crossrole.assignment("vendor-audit", SECOND).message()).contains("no longer targeted");
        assertThat(crossrole.assignment("vendor-audit", PROD).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        try (IamClient second = crossrole.observerIam(SECOND)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> second.getRole(r -> r.roleName("ThirdPartyAudit")))
                    .isInstanceOf(NoSuchEntityException.class);
        }
    }

    /** IAM accepts Statement as one object or a list of them. */
    private static JsonNode firstStatement(JsonNode policy) {
        JsonNode statement = policy.path("Statement");
        return statement.isArray() ? statement.get(0) : statement;
    }
}
