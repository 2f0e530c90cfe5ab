package io.crossrole.functions.reconcileworker;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crossrole.grant.Grant;
import io.crossrole.grant.GrantImages;
import io.crossrole.grant.GrantParser;
import io.crossrole.iam.IamRoleReader;
import io.crossrole.model.AccountId;
import io.crossrole.policy.AssumeRolePolicyBuilder;
import io.crossrole.policy.PolicyDocuments;
import io.crossrole.producer.GrantStreamProducer;
import io.crossrole.role.DesiredRole;
import io.crossrole.role.RoleDrift;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.PolicyJson;
import io.crossrole.testing.SqsEventSource;
import io.crossrole.testing.StreamRecords;
import io.crossrole.testing.TestCrossrole;
import io.crossrole.testing.TestFiles;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.DeleteRoleRequest;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The reconcile queues end to end on the emulator: the grant stream only queues, the worker (through its Lambda
 * handler, fed as the SQS event source feeds it) makes every account right, whatever order the messages come in.
 */
@ExtendWith(AwsEmulatorExtension.class)
class ReconcileQueueIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Emulator emulator;
    private TestCrossrole crossrole;
    private GrantStreamProducer stream;
    private ReconcileWorkerHandler handler;

    @BeforeEach
    void setUp(Emulator emulator) {
        this.emulator = emulator;
        emulator.reset();
    }

    @AfterEach
    void tearDown() {
        crossrole.close();
    }

    private void start(boolean members) {
        crossrole = new TestCrossrole(emulator, Map.of(), members);
        stream = crossrole.producer("crossrole-grant-stream");
        handler = new ReconcileWorkerHandler(crossrole.worker(Clock.systemUTC()));
    }

    /** Writes the grant and delivers the stream record that write makes: the function only queues. */
    private void put(String json) {
        crossrole.putGrant(json);
        assertThat(stream.process(StreamRecords.insert(json)).getBatchItemFailures()).isEmpty();
    }

    private void modify(String before, String after) {
        crossrole.putGrant(after);
        assertThat(stream.process(StreamRecords.modify(before, after)).getBatchItemFailures()).isEmpty();
    }

    private void delete(String json) {
        String grantId = GrantImages.fromJson(json).get("grantId").toString();
        crossrole.deleteGrant(grantId);
        assertThat(stream.process(StreamRecords.remove(json)).getBatchItemFailures()).isEmpty();
    }

    /** Every message of one queue, through the handler, with {@code pollers} pollers. */
    private SqsEventSource.Drained drain(SqsEventSource queue, int pollers) {
        return queue.drain(event -> handler.handleRequest(event, null), pollers);
    }

    private SqsEventSource.Drained drainAll() {
        SqsEventSource.Drained express = drain(crossrole.expressSource(), 2);
        SqsEventSource.Drained bulk = drain(crossrole.bulkSource(), 4);
        return new SqsEventSource.Drained(express.invocations() + bulk.invocations(), express.delivered() + bulk.delivered(),
                express.returned() + bulk.returned());
    }

    private List<String> accounts(String root, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(crossrole.createAccount("acct-" + i, root, root));
        }
        return ids;
    }

    private int visible(String url) {
        return Integer.parseInt(crossrole.observerSqs().getQueueAttributes(r -> r.queueUrl(url)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }

    private Grant parse(String json) {
        return new GrantParser(crossrole.config().partition(), crossrole.config().limits(), TestCrossrole.PATH)
                .parse(GrantImages.fromJson(json)).grant().orElseThrow();
    }

    private boolean roleExists(String account, String roleName) {
        try (IamClient iam = crossrole.observerIam(account)) {
            iam.getRole(r -> r.roleName(roleName));
            return true;
        } catch (NoSuchEntityException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ an organization-wide grant

    @Test
    void orgWideGrant_theStreamOnlyQueues_theWorkersProvisionEveryAccount_andTheGranteePolicyDoesNotGrow() throws Exception {
        start(false);
        String root = crossrole.root();
        List<String> accounts = accounts(root, 250);
        String dev = accounts.get(0);
        try (IamClient iam = crossrole.observerIam(dev)) {
            iam.createGroup(r -> r.groupName("Developers"));
        }
        String grant = """
                {"grantId": "org-read", "roleName": "OrgRead", "targets": ["%s"], "trustedPrincipals": ["%s"],
                 "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                 "granteeAttach": ["arn:aws:iam::%s:group/Developers"]}""".formatted(root, dev, dev);
        crossrole.calls().clear();

        put(grant);

        assertThat(crossrole.calls().all()).as("the stream makes no IAM or STS call in any account")
                .noneMatch(c -> c.startsWith("Iam:") || c.startsWith("Sts:"));
        assertThat(crossrole.calls().count("Sqs:SendMessageBatch")).as("ten requests per call").isEqualTo(26);
        assertThat(visible(crossrole.bulkQueueUrl())).as("the bulk lane: 250 accounts + 1 grantee")
                .isEqualTo(251);
        assertThat(crossrole.expressSource().isEmpty()).isTrue();

        SqsEventSource.Drained drained = drainAll();

        assertThat(drained.returned()).isZero();
        // moto's receive is not atomic across concurrent pollers: now and then it hands one message to two of them
        // (at-least-once, which SQS allows too); the statuses below show each account was made right
        assertThat(drained.delivered()).isGreaterThanOrEqualTo(251);
        List<Assignment> statuses = crossrole.assignments("org-read");
        assertThat(statuses).filteredOn(a -> a.owner().isPresent()).hasSize(250)
                .allSatisfy(a -> assertThat(a.status()).as(a.message()).isEqualTo(AssignmentStatus.PROVISIONED));
        Grant parsed = parse(grant);
        for (String account : List.of(accounts.get(0), accounts.get(124), accounts.get(249))) {
            try (IamClient iam = crossrole.observerIam(account)) {
                assertThat(RoleDrift.describe(new IamRoleReader().read(iam, "OrgRead", false).orElseThrow(),
                        DesiredRole.of(parsed, AccountId.of(account)))).isEmpty();
            }
        }

        String document;
        try (IamClient iam = crossrole.observerIam(dev)) {
            document = IamRoleReader.decode(iam.getGroupPolicy(r -> r.groupName("Developers").policyName("crossrole-assume-org-read"))
                    .policyDocument());
        }
        String organizationId;
        try (OrganizationsClient org = crossrole.observerOrganizations()) {
            organizationId = org.describeOrganization().organization().id();
        }
        assertThat(PolicyDocuments.sizeWithoutWhitespace(document)).as("well within a group's 5,120 characters at any size")
                .isLessThan(AssumeRolePolicyBuilder.GROUP_QUOTA / 10);
        JsonNode policy = JSON.readTree(document);
        JsonNode statements = policy.path("Statement").isArray() ? policy.path("Statement") : JSON.createArrayNode().add(policy.path("Statement"));
        assertThat(statements).as("one statement").hasSize(1);
        JsonNode statement = statements.get(0);
        assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
        assertThat(PolicyJson.texts(statement.path("Action"))).containsExactly("sts:AssumeRole");
        assertThat(PolicyJson.texts(statement.path("Resource"))).as("the grant's role name and path, in any account")
                .containsExactly("arn:aws:iam::*:role/crossrole-managed/OrgRead");
        assertThat(fieldNames(statement.path("Condition"))).containsExactly("StringEquals");
        JsonNode equals = statement.path("Condition").path("StringEquals");
        assertThat(fieldNames(equals)).containsExactlyInAnyOrder("aws:ResourceTag/crossrole:grant-id", "aws:ResourceOrgID");
        assertThat(PolicyJson.texts(equals.path("aws:ResourceTag/crossrole:grant-id"))).as("only roles this grant created")
                .containsExactly("org-read");
        assertThat(PolicyJson.texts(equals.path("aws:ResourceOrgID"))).as("only in this organization").containsExactly(organizationId);
    }

    // ------------------------------------------------------------------ lanes and order

    @Test
    void oneAccountGrant_writtenDuringARollout_isProvisionedBeforeTheRolloutFinishes() {
        start(false);
        String root = crossrole.root();
        List<String> accounts = accounts(root, 60);
        String target = accounts.get(59);
        put("""
                {"grantId": "org-audit", "roleName": "OrgAudit", "targets": ["%s"], "trustedPrincipals": ["%s"]}"""
                .formatted(root, accounts.get(0)));
        SqsEventSource.Drained started = crossrole.bulkSource().drain(event -> handler.handleRequest(event, null), 1, 2);
        assertThat(started.delivered()).as("the rollout is under way").isEqualTo(20);

        put("""
                {"grantId": "break-glass", "roleName": "BreakGlass", "targets": ["%s"], "trustedPrincipals": ["%s"]}"""
                .formatted(target, accounts.get(0)));
        drain(crossrole.expressSource(), 1);

        assertThat(crossrole.assignment("break-glass", target).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(roleExists(target, "BreakGlass")).isTrue();
        assertThat(roleExists(target, "OrgAudit")).as("its account's rollout message is still queued").isFalse();
        assertThat(crossrole.bulkSource().isEmpty()).as("the rollout has not finished").isFalse();

        drainAll();

        assertThat(crossrole.assignments("org-audit")).hasSize(60).allMatch(a -> a.status() == AssignmentStatus.PROVISIONED);
        assertThat(roleExists(target, "OrgAudit")).isTrue();
        assertThat(crossrole.assignment("break-glass", target).status()).isEqualTo(AssignmentStatus.PROVISIONED);
    }

    @Test
    void grantModifiedWhileItsReconcilesAreQueued_convergesToTheNewestVersionEverywhere() {
        start(false);
        String root = crossrole.root();
        List<String> accounts = accounts(root, 30);
        String v1 = """
                {"grantId": "ops", "roleName": "Ops", "targets": ["%s"], "trustedPrincipals": ["%s"],
                 "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}""".formatted(root, accounts.get(0));
        String v2 = """
                {"grantId": "ops", "roleName": "Ops", "targets": ["%s"], "trustedPrincipals": ["%s"], "maxSessionDuration": 7200,
                 "managedPolicyArns": ["arn:aws:iam::aws:policy/SecurityAudit"], "tags": {"version": "2"}}"""
                .formatted(root, accounts.get(0));
        put(v1);
        crossrole.bulkSource().drain(event -> handler.handleRequest(event, null), 1, 1);

        modify(v1, v2);
        drainAll();

        Grant newest = parse(v2);
        for (String account : accounts) {
            Assignment a = crossrole.assignment("ops", account);
            DesiredRole desired = DesiredRole.of(newest, AccountId.of(account));
            assertThat(a.status()).isEqualTo(AssignmentStatus.PROVISIONED);
            assertThat(a.desiredHash()).as("%s records the newest version", account).contains(desired.hash());
            try (IamClient iam = crossrole.observerIam(account)) {
                assertThat(RoleDrift.describe(new IamRoleReader().read(iam, "Ops", false).orElseThrow(), desired)).as(account).isEmpty();
            }
        }
    }

    @Test
    void grantDeletedWhileItsReconcilesAreQueued_leavesNoRoleBehind() {
        start(false);
        String root = crossrole.root();
        List<String> accounts = accounts(root, 30);
        String grant = """
                {"grantId": "temp", "roleName": "Temp", "targets": ["%s"], "trustedPrincipals": ["%s"]}""".formatted(root, accounts.get(0));
        put(grant);
        crossrole.bulkSource().drain(event -> handler.handleRequest(event, null), 1, 1);
        assertThat(crossrole.assignments("temp")).as("part of the rollout is done").hasSize(10);

        delete(grant);
        drainAll();

        for (String account : accounts) {
            assertThat(roleExists(account, "Temp")).as(account).isFalse();
        }
        assertThat(crossrole.assignments("temp")).hasSize(10).allMatch(a -> a.status() == AssignmentStatus.REVOKED);
    }

    @Test
    void rename_afterAReconcileCreatedTheRoleButLostEveryStatusWrite_removesTheRoleItCreated() {
        // ConvergenceIT's history (seed 4949034543617305938) left role Ops behind this way after ops was renamed OpsNext
        start(true);
        String ops = """
                {"grantId": "ops", "roleName": "Ops", "targets": ["111111111111"], "trustedPrincipals": ["222222222222"]}""";
        String next = ops.replace("\"Ops\"", "\"OpsNext\"");
        put(ops);
        crossrole.calls().failRequests(r -> r instanceof UpdateItemRequest u && u.tableName().equals(crossrole.config().assignmentsTable())
                && !u.expressionAttributeValues().getOrDefault(":message", AttributeValue.fromS("")).s().startsWith("creating role"),
                DynamoDbException.builder().statusCode(500).message("the status write is lost").build());
        crossrole.expressSource().drain(event -> handler.handleRequest(event, null), 1, 1);
        crossrole.calls().failRequests(r -> false, null);
        assertThat(roleExists("111111111111", "Ops")).as("created before the status writes failed").isTrue();

        modify(ops, next);
        drainAll();

        assertThat(roleExists("111111111111", "OpsNext")).isTrue();
        assertThat(roleExists("111111111111", "Ops")).as("the role the lost reconcile created").isFalse();
        Assignment status = crossrole.assignment("ops", "111111111111");
        assertThat(status.status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(status.roleName()).contains("OpsNext");
    }

    @Test
    void rename_whoseRemovalOfTheOldRoleFails_keepsNamingTheOldRole_soTheRevocationThatFollowsRemovesIt() {
        // ConvergenceIT's history (seed 4569483449243202828): the status named the new role while the old one was still
        // there, so when the grant stopped covering the account the revocation looked for the new one
        start(true);
        String app = """
                {"grantId": "app", "roleName": "App", "targets": ["111111111111"], "trustedPrincipals": ["222222222222"]}""";
        String next = app.replace("\"App\"", "\"AppNext\"");
        String elsewhere = next.replace("111111111111", "012345678901");
        put(app);
        drainAll();
        modify(app, next);
        crossrole.calls().failRequests(r -> r instanceof DeleteRoleRequest, IamException.builder().statusCode(503)
                .message("Service Unavailable").build());
        crossrole.expressSource().drain(event -> handler.handleRequest(event, null), 1, 1);
        crossrole.calls().failRequests(r -> false, null);
        Assignment during = crossrole.assignment("app", "111111111111");
        assertThat(during.status()).isEqualTo(AssignmentStatus.PENDING);
        assertThat(during.roleName()).as("the role still there").contains("App");

        modify(next, elsewhere);
        drainAll();

        assertThat(roleExists("111111111111", "App")).isFalse();
        assertThat(roleExists("111111111111", "AppNext")).isFalse();
        assertThat(crossrole.assignment("app", "111111111111").status()).isEqualTo(AssignmentStatus.REVOKED);
        assertThat(roleExists("012345678901", "AppNext")).isTrue();
    }

    // ------------------------------------------------------------------ messages that cannot be read

    @Test
    void poisonMessage_endsInTheDeadLetterQueueAfterItsReceives_andTheRestOfItsGroupIsNotLost() {
        start(true);
        crossrole.observerSqs().sendMessage(r -> r.queueUrl(crossrole.reconcileQueueUrl()).messageBody("{\"grantId\": \"x\"}")
                .messageGroupId("111111111111").messageDeduplicationId("poison"));
        put("""
                {"grantId": "after-poison", "roleName": "AfterPoison", "targets": ["111111111111"], "trustedPrincipals": ["222222222222"]}""");

        SqsEventSource.Drained drained = drain(crossrole.expressSource(), 1);

        assertThat(crossrole.assignment("after-poison", "111111111111").status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(crossrole.deadLetters()).containsExactly("{\"grantId\": \"x\"}");
        assertThat(drained.returned()).as("returned on each of its receives").isEqualTo(TestCrossrole.MAX_RECEIVES);
        assertThat(crossrole.expressSource().isEmpty()).isTrue();
    }

    @Test
    void sampleFifoBatch_everyRequestReconciled_andAnUnreadableOneReturnedAloneWhileItsGroupGoesOn() {
        start(true);
        try (IamClient dev = crossrole.observerIam("222222222222")) {
            dev.createGroup(r -> r.groupName("Developers"));
        }
        crossrole.putGrant("""
                {"grantId": "prod-updateapp", "roleName": "UpdateApp", "targets": ["111111111111"], "trustedPrincipals": ["222222222222"],
                 "granteeAttach": ["arn:aws:iam::222222222222:group/Developers"]}""");
        crossrole.putGrant("""
                {"grantId": "vendor-audit", "roleName": "ThirdPartyAudit", "targets": ["111111111111", "012345678901"],
                 "trustedPrincipals": ["444455556666"], "externalId": "Unique-3rd-party-ID-12345"}""");

        SQSBatchResponse batch = handler.handleRequest(TestFiles.sqsEvent("reconcile-worker/fifo-batch.json"), null);

        assertThat(batch.getBatchItemFailures()).isEmpty();
        assertThat(crossrole.assignment("prod-updateapp", "111111111111").status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(crossrole.assignment("vendor-audit", "111111111111").status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(crossrole.assignment("vendor-audit", "012345678901").status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(crossrole.assignment("prod-updateapp", "grantee#arn:aws:iam::222222222222:group/Developers").status())
                .isEqualTo(AssignmentStatus.PROVISIONED);

        SQSBatchResponse malformed = handler.handleRequest(TestFiles.sqsEvent("reconcile-worker/fifo-malformed.json"), null);

        assertThat(malformed.getBatchItemFailures()).extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly("2b1a7f4e-6d5c-4b8a-5b54-5e6f7a8b9ca4");
    }


    private static List<String> fieldNames(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
