package io.crossrole.functions.grantstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import io.crossrole.grant.GrantImages;
import io.crossrole.grant.GrantParser;
import io.crossrole.iam.IamRoleReader;
import io.crossrole.model.AccountId;
import io.crossrole.model.Partition;
import io.crossrole.role.ActualRole;
import io.crossrole.role.DesiredRole;
import io.crossrole.role.PlanDecision;
import io.crossrole.role.RolePlan;
import io.crossrole.role.RolePlanner;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.SqsEventSource;
import io.crossrole.testing.TestCrossrole;
import io.crossrole.testing.TestFiles;
import java.math.BigInteger;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.sts.model.StsException;

/** Each property of a grant changed on its own: the role is updated in place, to exactly the new record. */
@ExtendWith(AwsEmulatorExtension.class)
class GrantModifyIT {
    private static final String PROD = "111111111111";

    private TestCrossrole crossrole;
    private GrantStreamHandler handler;

    @BeforeEach
    void setUp(Emulator emulator) {
        emulator.reset();
        crossrole = new TestCrossrole(emulator, Map.of());
        handler = new GrantStreamHandler(crossrole.producer(GrantStreamHandler.SESSION_NAME));
    }

    /** The table changes as the records say, the stream delivers them, the worker drains the reconcile queues. */
    private StreamsEventResponse deliver(DynamodbEvent event) {
        StreamsEventResponse response = handler.handleRequest(crossrole.sync(event), null);
        crossrole.drain();
        return response;
    }

    @AfterEach
    void tearDown() {
        crossrole.close();
    }

    static Stream<Arguments> changes() {
        return Stream.of(
                Arguments.of("trusted principals", (Consumer<Map<String, AttributeValue>>) image ->
                        image.put("trustedPrincipals", list("arn:aws:iam::222222222222:role/deployer", "333333333333"))),
                Arguments.of("external ID added", (Consumer<Map<String, AttributeValue>>) image ->
                        image.put("externalId", new AttributeValue("ext-id-2026"))),
                Arguments.of("MFA no longer required", (Consumer<Map<String, AttributeValue>>) image ->
                        image.put("requireMfa", new AttributeValue().withBOOL(false))),
                Arguments.of("max session", (Consumer<Map<String, AttributeValue>>) image ->
                        image.put("maxSessionDuration", new AttributeValue().withN("14400"))),
                Arguments.of("description", (Consumer<Map<String, AttributeValue>>) image ->
                        image.put("description", new AttributeValue("a new description"))),
                Arguments.of("permissions boundary", (Consumer<Map<String, AttributeValue>>) image ->
                        image.put("permissionsBoundaryArn", new AttributeValue("arn:aws:iam::aws:policy/PowerUserAccess"))),
                Arguments.of("managed policy attached", (Consumer<Map<String, AttributeValue>>) image ->
                        image.put("managedPolicyArns", list("arn:aws:iam::aws:policy/ReadOnlyAccess"))),
                Arguments.of("inline policy changed", (Consumer<Map<String, AttributeValue>>) image ->
                        image.put("inlinePolicy", new AttributeValue("{\"Version\":\"2012-10-17\",\"Statement\":"
                                + "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::productionapp/*\"}}"))),
                Arguments.of("inline policy removed", (Consumer<Map<String, AttributeValue>>) image -> image.remove("inlinePolicy")),
                Arguments.of("tag changed and added", (Consumer<Map<String, AttributeValue>>) image ->
                        image.put("tags", new AttributeValue().withM(Map.of("team", new AttributeValue("ops"), "tier", new AttributeValue("1"))))),
                Arguments.of("tags removed", (Consumer<Map<String, AttributeValue>>) image -> image.remove("tags")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void modify_eachProperty_updatesTheRoleInPlaceToExactlyTheNewRecord(String what, Consumer<Map<String, AttributeValue>> change) {
        DynamodbEvent insert = updateAppOnly();
        deliver(insert);
        String roleId;
        try (IamClient prod = crossrole.observerIam(PROD)) {
            roleId = prod.getRole(r -> r.roleName("UpdateApp")).role().roleId();
        }
        Map<String, AttributeValue> newImage = new HashMap<>(insert.getRecords().get(0).getDynamodb().getNewImage());
        change.accept(newImage);

        deliver(modify(insert, newImage));

        DesiredRole desired = DesiredRole.of(new GrantParser(Partition.AWS, crossrole.config().limits(), TestCrossrole.PATH)
                .parse(GrantImages.fromStreamImage(newImage)).grant().orElseThrow(), AccountId.of(PROD));
        try (IamClient prod = crossrole.observerIam(PROD)) {
            ActualRole actual = new IamRoleReader().read(prod, "UpdateApp", false).orElseThrow();
            assertThat(actual.roleId()).as("updated in place").isEqualTo(roleId);
            assertThat(RolePlanner.reconcile(actual, desired))
                    .isEqualTo(new PlanDecision.Apply(new RolePlan("UpdateApp", List.of())));
        }
        Assignment a = crossrole.assignment("prod-updateapp", PROD);
        assertThat(a.status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(a.message()).startsWith("updated: ");
        assertThat(a.desiredHash()).contains(desired.hash());
    }

    @Test
    void organizationalUnitOutsideTheOrganization_isRecordedFailedWhileTheAccountTargetIsProvisioned() {
        DynamodbEvent insert = updateAppOnly();
        insert.getRecords().get(0).getDynamodb().getNewImage().put("targets", list(PROD, "ou-ab12-cdef3456"));

        assertThat(deliver(insert).getBatchItemFailures()).isEmpty();

        assertThat(crossrole.assignment("prod-updateapp", PROD).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        Assignment ou = crossrole.assignment("prod-updateapp", "ou-ab12-cdef3456");
        assertThat(ou.status()).isEqualTo(AssignmentStatus.FAILED);
        assertThat(ou.message()).contains("ou-ab12-cdef3456").containsAnyOf("not part of this organization", "cannot expand target");
    }

    @Test
    void assumeRoleDeniedAtFirst_isRetriedWithBackoffAndSucceeds() {
        crossrole.calls().failNext(c -> c.equals("Sts:AssumeRole"), 3, accessDenied());

        assertThat(deliver(updateAppOnly()).getBatchItemFailures()).isEmpty();

        assertThat(crossrole.calls().count("Sts:AssumeRole")).isEqualTo(4);
        assertThat(crossrole.assignment("prod-updateapp", PROD).status()).isEqualTo(AssignmentStatus.PROVISIONED);
    }

    @Test
    void assumeRoleDeniedWithinTheNewAccountWindow_returnsTheMessageForALaterTry_thenConverges(Emulator emulator) {
        try (TestCrossrole patient = new TestCrossrole(emulator, Map.of("NEW_ACCOUNT_READY_SECONDS", "600"))) {
            patient.calls().failNext(c -> c.equals("Sts:AssumeRole"), 1000, accessDenied());
            new GrantStreamHandler(patient.producer(GrantStreamHandler.SESSION_NAME)).handleRequest(patient.sync(updateAppOnly()), null);

            SqsEventSource.Drained first = patient.expressSource().drain(patient.worker(Clock.systemUTC())::consume, 1, 1);

            assertThat(first.returned()).as("returned to the queue, not failed for good").isEqualTo(1);
            Assignment a = patient.assignment("prod-updateapp", PROD);
            assertThat(a.status()).isEqualTo(AssignmentStatus.PENDING);
            assertThat(a.message()).startsWith("will retry: ")
                    .contains("cannot assume arn:aws:iam::111111111111:role/OrganizationAccountAccessRole").contains("AccessDenied");
            assertThat(patient.calls().iamWrites()).isEmpty();

            patient.calls().failNext(c -> false, 0, accessDenied());
            patient.drain();

            assertThat(patient.assignment("prod-updateapp", PROD).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        }
    }

    @Test
    void assumeRoleDeniedBeyondTheWindow_isFailedNamingTheRoleTheAccountNeeds() {
        crossrole.calls().failNext(c -> c.equals("Sts:AssumeRole"), 1000, accessDenied());

        SqsEventSource.Drained drained = deliverAndCount(updateAppOnly());

        assertThat(drained.returned()).as("NEW_ACCOUNT_READY_SECONDS is 0 here: no retry through the queue").isZero();
        Assignment a = crossrole.assignment("prod-updateapp", PROD);
        assertThat(a.status()).isEqualTo(AssignmentStatus.FAILED);
        assertThat(a.message()).contains("cannot reach account 111111111111").contains("create the role OrganizationAccountAccessRole")
                .contains("AccessDenied");
        assertThat(crossrole.calls().iamWrites()).isEmpty();
    }

    private SqsEventSource.Drained deliverAndCount(DynamodbEvent event) {
        assertThat(handler.handleRequest(crossrole.sync(event), null).getBatchItemFailures()).isEmpty();
        return crossrole.drain();
    }

    private static StsException accessDenied() {
        return (StsException) StsException.builder().statusCode(403).awsErrorDetails(AwsErrorDetails.builder()
                .errorCode("AccessDenied").errorMessage("not authorized to perform sts:AssumeRole").build()).build();
    }

    private static DynamodbEvent updateAppOnly() {
        DynamodbEvent insert = TestFiles.dynamodbEvent("grant-stream/insert.json");
        insert.setRecords(List.of(insert.getRecords().get(0)));
        return insert;
    }

    private static DynamodbEvent modify(DynamodbEvent insert, Map<String, AttributeValue> newImage) {
        DynamodbEvent modify = TestFiles.dynamodbEvent("grant-stream/insert.json");
        var record = modify.getRecords().get(0);
        record.setEventName("MODIFY");
        record.getDynamodb().setOldImage(insert.getRecords().get(0).getDynamodb().getNewImage());
        record.getDynamodb().setNewImage(newImage);
        record.getDynamodb().setSequenceNumber(new BigInteger(record.getDynamodb().getSequenceNumber()).add(BigInteger.TEN).toString());
        modify.setRecords(List.of(record));
        return modify;
    }

    private static AttributeValue list(String... items) {
        return new AttributeValue().withL(Stream.of(items).map(AttributeValue::new).toList());
    }
}
