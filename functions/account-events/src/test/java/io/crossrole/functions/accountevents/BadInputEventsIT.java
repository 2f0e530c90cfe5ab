package io.crossrole.functions.accountevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.TestCrossrole;
import io.crossrole.testing.TestFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed EventBridge events for {@link AccountEventsHandler}, each read as the Lambda Java runtime reads
 * it ({@link TestFiles#scheduledEvent}): every one is answered with the exact reason it was ignored, and not a
 * single AWS call is made for it (no table read, no Organizations call, no AssumeRole).
 */
@ExtendWith(AwsEmulatorExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputEventsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCOUNT = "333333333333";

    private TestCrossrole crossrole;
    private AccountEventsHandler handler;

    @BeforeAll
    void startOnce(Emulator emulator) {
        emulator.reset();
        crossrole = new TestCrossrole(emulator, Map.of());
        handler = new AccountEventsHandler(crossrole.accountEventsProducer(AccountEventsHandler.SESSION_NAME));
    }

    @AfterAll
    void stop() {
        crossrole.close();
    }

    @BeforeEach
    void clearCalls() {
        crossrole.calls().clear();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("corpus")
    void malformedEventIsIgnoredWithItsReasonAndNoAwsCall(Case c) {
        Map<String, Object> response = handler.handleRequest(TestFiles.scheduledEvent(c.json()), null);

        assertThat(response).as("the whole answer").containsExactly(Map.entry("event", c.event()), Map.entry("ignored", c.ignored()));
        assertThat(crossrole.calls().all()).as("no AWS call at all").isEmpty();
    }

    /**
     * A {@code detail} that is not an object never reaches the handler: the runtime's serializer (ScheduledEvent's
     * detail is a map) refuses the event, so Lambda fails the invocation and its asynchronous retries and on-failure
     * queue take over. AWS services never send such an event; this pins that nothing of Crossrole runs for it.
     */
    @ParameterizedTest(name = "[{index}] detail {0}")
    @MethodSource("detailsThatAreNotObjects")
    void detailThatIsNotAnObject_isRefusedByTheRuntimeBeforeTheHandler(String detail) {
        String json = moveAccount(e -> e.set("detail", readJson(detail)));

        assertThatThrownBy(() -> TestFiles.scheduledEvent(json)).isInstanceOf(java.io.UncheckedIOException.class)
                .hasMessageContaining("java.util.LinkedHashMap");
        assertThat(crossrole.calls().all()).as("no AWS call at all").isEmpty();
    }

    Stream<String> detailsThatAreNotObjects() {
        return Stream.of("\"MoveAccount\"", "[1, 2]", "42", "true");
    }

    Stream<Case> corpus() {
        List<Case> all = new ArrayList<>();
        all.add(new Case("no detail", moveAccount(e -> e.remove("detail")), "(none)", "the event has no detail"));
        all.add(new Case("detail null", moveAccount(e -> e.putNull("detail")), "(none)", "the event has no detail"));
        all.add(new Case("detail an empty object", moveAccount(e -> e.putObject("detail")), "(none)", "detail.eventName is missing"));
        all.add(new Case("detail a one-element array (the runtime unwraps it)",
                moveAccount(e -> e.putArray("detail").addObject().put("eventName", "MoveAccount")),
                "MoveAccount", "requestParameters lacks accountId, sourceParentId, destinationParentId"));
        all.add(new Case("eventName missing", moveAccount(e -> detail(e).remove("eventName")), "(none)", "detail.eventName is missing"));
        all.add(new Case("eventName empty", moveAccount(e -> detail(e).put("eventName", "")), "(none)", "detail.eventName is missing"));
        all.add(new Case("eventName blank", moveAccount(e -> detail(e).put("eventName", "   ")), "(none)", "detail.eventName is missing"));
        all.add(new Case("eventName a number", moveAccount(e -> detail(e).put("eventName", 42)), "(none)", "detail.eventName is missing"));
        all.add(new Case("eventName an object", moveAccount(e -> detail(e).putObject("eventName").put("name", "MoveAccount")),
                "(none)", "detail.eventName is missing"));

        // MoveAccount without the fields it needs.
        all.add(new Case("MoveAccount without accountId", moveAccount(e -> parameters(e).remove("accountId")),
                "MoveAccount", "requestParameters lacks accountId"));
        all.add(new Case("MoveAccount without sourceParentId", moveAccount(e -> parameters(e).remove("sourceParentId")),
                "MoveAccount", "requestParameters lacks sourceParentId"));
        all.add(new Case("MoveAccount without destinationParentId", moveAccount(e -> parameters(e).remove("destinationParentId")),
                "MoveAccount", "requestParameters lacks destinationParentId"));
        all.add(new Case("MoveAccount with requestParameters null", moveAccount(e -> detail(e).putNull("requestParameters")),
                "MoveAccount", "requestParameters lacks accountId, sourceParentId, destinationParentId"));
        all.add(new Case("MoveAccount with an empty destinationParentId", moveAccount(e -> parameters(e).put("destinationParentId", "")),
                "MoveAccount", "requestParameters lacks destinationParentId"));
        all.add(new Case("MoveAccount with an 11-digit accountId", moveAccount(e -> parameters(e).put("accountId", "33333333333")),
                "MoveAccount", "requestParameters.accountId '33333333333' is not a 12-digit account ID"));
        all.add(new Case("MoveAccount with a 13-digit accountId", moveAccount(e -> parameters(e).put("accountId", "3333333333333")),
                "MoveAccount", "requestParameters.accountId '3333333333333' is not a 12-digit account ID"));
        all.add(new Case("MoveAccount with accountId a number", moveAccount(e -> parameters(e).put("accountId", 333333333333L)),
                "MoveAccount", "requestParameters lacks accountId"));
        all.add(new Case("MoveAccount with an injected accountId", moveAccount(e -> parameters(e).put("accountId", "333333333333\"};DROP")),
                "MoveAccount", "requestParameters.accountId '333333333333\"};DROP' is not a 12-digit account ID"));
        all.add(new Case("MoveAccount that failed (errorCode)", moveAccount(e -> detail(e).put("errorCode", "AccessDenied")),
                "MoveAccount", "the call failed (errorCode AccessDenied): the organization did not change"));

        // CreateAccountResult.
        all.add(new Case("CreateAccountResult without createAccountStatus",
                createAccountResult(e -> serviceDetails(e).remove("createAccountStatus")),
                "CreateAccountResult", "serviceEventDetails.createAccountStatus is missing"));
        all.add(new Case("CreateAccountResult without serviceEventDetails",
                createAccountResult(e -> detail(e).remove("serviceEventDetails")),
                "CreateAccountResult", "serviceEventDetails.createAccountStatus is missing"));
        all.add(new Case("CreateAccountResult IN_PROGRESS", createAccountResult(e -> status(e).put("state", "IN_PROGRESS")),
                "CreateAccountResult", "account creation IN_PROGRESS: no account to provision"));
        all.add(new Case("CreateAccountResult FAILED with a reason", createAccountResult(e -> status(e).put("state", "FAILED")
                        .put("failureReason", "EMAIL_ALREADY_EXISTS")),
                "CreateAccountResult", "account creation FAILED (EMAIL_ALREADY_EXISTS): no account to provision"));
        all.add(new Case("CreateAccountResult SUCCEEDED without accountId", createAccountResult(e -> status(e).remove("accountId")),
                "CreateAccountResult", "serviceEventDetails.createAccountStatus.accountId is missing"));
        all.add(new Case("CreateAccountResult SUCCEEDED with a 13-digit accountId",
                createAccountResult(e -> status(e).put("accountId", "3333333333333")),
                "CreateAccountResult", "serviceEventDetails.createAccountStatus.accountId '3333333333333' is not a 12-digit account ID"));

        // AcceptHandshake.
        all.add(new Case("AcceptHandshake OPEN", acceptHandshake(e -> handshake(e).put("state", "OPEN")),
                "AcceptHandshake", "handshake state is OPEN, not ACCEPTED"));
        all.add(new Case("AcceptHandshake DECLINED", acceptHandshake(e -> handshake(e).put("state", "DECLINED")),
                "AcceptHandshake", "handshake state is DECLINED, not ACCEPTED"));
        all.add(new Case("AcceptHandshake without the handshake", acceptHandshake(e -> ((ObjectNode) detail(e).get("responseElements"))
                        .remove("handshake")),
                "AcceptHandshake", "responseElements.handshake is missing"));
        all.add(new Case("AcceptHandshake for another action", acceptHandshake(e -> handshake(e).put("action", "ENABLE_ALL_FEATURES")),
                "AcceptHandshake", "handshake action ENABLE_ALL_FEATURES does not add an account"));

        // Control Tower.
        all.add(new Case("Control Tower CreateManagedAccount FAILED",
                controlTower(e -> ((ObjectNode) serviceDetails(e).get("createManagedAccountStatus")).put("state", "FAILED")),
                "CreateManagedAccount", "Control Tower reports state FAILED, not SUCCEEDED"));
        all.add(new Case("Control Tower CreateManagedAccount without its status",
                controlTower(e -> serviceDetails(e).remove("createManagedAccountStatus")),
                "CreateManagedAccount", "serviceEventDetails.createManagedAccountStatus is missing"));
        all.add(new Case("Control Tower SetupLandingZone", controlTower(e -> detail(e).put("eventName", "SetupLandingZone")),
                "SetupLandingZone", "Control Tower event SetupLandingZone does not add an account"));

        // Sources and events Crossrole does not handle.
        all.add(new Case("unknown source", moveAccount(e -> e.put("source", "aws.ec2")),
                "MoveAccount", "source 'aws.ec2' is neither aws.organizations nor aws.controltower"));
        all.add(new Case("source spoofed by a custom bus", moveAccount(e -> e.put("source", "custom.organizations")),
                "MoveAccount", "source 'custom.organizations' is neither aws.organizations nor aws.controltower"));
        all.add(new Case("an Organizations call that moves no account", moveAccount(e -> detail(e).put("eventName", "TagResource")),
                "TagResource", "event TagResource does not change which grants cover an account"));
        all.add(new Case("RemoveAccountFromOrganization without accountId",
                event("remove-account.json", e -> parameters(e).remove("accountId")),
                "RemoveAccountFromOrganization", "requestParameters.accountId is missing"));
        return all.stream();
    }

    // ------------------------------------------------------------------ cases and events

    /** One malformed event: its JSON text, and the event name and reason the response must give. */
    record Case(String name, String json, String event, String ignored) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static String moveAccount(Consumer<ObjectNode> change) {
        return event("move-account.json", change);
    }

    private static String createAccountResult(Consumer<ObjectNode> change) {
        return event("create-account-result.json", change);
    }

    private static String acceptHandshake(Consumer<ObjectNode> change) {
        return event("accept-handshake.json", change);
    }

    private static String controlTower(Consumer<ObjectNode> change) {
        return event("control-tower-create-managed-account.json", change);
    }

    /** A sample event from events/account-events (real shapes), changed. */
    private static String event(String file, Consumer<ObjectNode> change) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(TestFiles.eventText("account-events/" + file).replace("333333333333", ACCOUNT));
            change.accept(root);
            return JSON.writeValueAsString(root);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static JsonNode readJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ObjectNode detail(ObjectNode event) {
        return (ObjectNode) event.get("detail");
    }

    private static ObjectNode parameters(ObjectNode event) {
        return (ObjectNode) detail(event).get("requestParameters");
    }

    private static ObjectNode serviceDetails(ObjectNode event) {
        return (ObjectNode) detail(event).get("serviceEventDetails");
    }

    private static ObjectNode status(ObjectNode event) {
        return (ObjectNode) serviceDetails(event).get("createAccountStatus");
    }

    private static ObjectNode handshake(ObjectNode event) {
        JsonNode handshake = detail(event).path("responseElements").path("handshake");
        return (ObjectNode) handshake;
    }
}
