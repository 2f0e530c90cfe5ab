package io.crossrole.events;

import io.crossrole.events.AccountEvent.Departed;
import io.crossrole.events.AccountEvent.Ignored;
import io.crossrole.events.AccountEvent.JoinKind;
import io.crossrole.events.AccountEvent.Joined;
import io.crossrole.events.AccountEvent.Moved;
import io.crossrole.model.AccountId;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads EventBridge events from {@code aws.organizations} and {@code aws.controltower} (CloudTrail-delivered)
 * into {@link AccountEvent}s. Pure: an event that is not understood, failed, or lacks a field becomes
 * {@link Ignored} naming what was missing, never an exception.
 *
 * <pre>{@code
 * AccountEvent e = AccountEventParser.parse(event.getSource(), event.getDetail());
 * }</pre>
 */
public final class AccountEventParser {
    private AccountEventParser() {
    }

    public static AccountEvent parse(String source, Map<String, Object> detail) {
        if (detail == null) {
            return new Ignored("(none)", "the event has no detail");
        }
        Object nameValue = detail.get("eventName");
        if (!(nameValue instanceof String name) || name.isBlank()) {
            return new Ignored("(none)", "detail.eventName is missing");
        }
        if (detail.get("errorCode") != null) {
            return new Ignored(name, "the call failed (errorCode " + detail.get("errorCode") + "): the organization did not change");
        }
        if ("aws.controltower".equals(source)) {
            return controlTower(name, detail);
        }
        if (source == null) {
            return new Ignored(name, "the event has no source");
        }
        if (!"aws.organizations".equals(source)) {
            return new Ignored(name, "source '" + source + "' is neither aws.organizations nor aws.controltower");
        }
        return switch (name) {
            case "CreateAccountResult" -> createAccountResult(detail);
            case "AcceptHandshake" -> acceptHandshake(detail);
            case "AccountJoinedOrganization" -> accountJoined(detail);
            case "MoveAccount" -> moveAccount(detail);
            case "RemoveAccountFromOrganization" -> departed(name, string(detail, "requestParameters", "accountId").orElse(null),
                    "requestParameters.accountId", "the account was removed from the organization");
            case "CloseAccount" -> new Ignored(name, "CloseAccount is only a request: the account is closed when"
                    + " CloseAccountResult says SUCCEEDED");
            case "CloseAccountResult" -> closeAccountResult(detail);
            case "AccountDepartedOrganization" -> departed(name, membershipAccount(detail).orElse(null),
                    "serviceEventDetails.accountId",
                    "the account departed the organization" + membershipField(detail, "departedMethod").map(m -> " (" + m + ")").orElse(""));
            default -> new Ignored(name, "event " + name + " does not change which grants cover an account");
        };
    }

    private static AccountEvent createAccountResult(Map<String, Object> detail) {
        Optional<Map<String, Object>> status = map(detail, "serviceEventDetails", "createAccountStatus");
        if (status.isEmpty()) {
            return new Ignored("CreateAccountResult", "serviceEventDetails.createAccountStatus is missing");
        }
        if (status.get().get("state") == null) {
            return new Ignored("CreateAccountResult", "serviceEventDetails.createAccountStatus.state is missing");
        }
        String state = String.valueOf(status.get().get("state"));
        if (!"SUCCEEDED".equals(state)) {
            return new Ignored("CreateAccountResult", "account creation " + state
                    + Optional.ofNullable(status.get().get("failureReason")).map(r -> " (" + r + ")").orElse("")
                    + ": no account to provision");
        }
        return joined("CreateAccountResult", string(status.get(), "accountId").orElse(null),
                "serviceEventDetails.createAccountStatus.accountId", JoinKind.CREATED);
    }

    private static AccountEvent acceptHandshake(Map<String, Object> detail) {
        Optional<Map<String, Object>> handshake = map(detail, "responseElements", "handshake");
        if (handshake.isEmpty()) {
            return new Ignored("AcceptHandshake", "responseElements.handshake is missing");
        }
        if (handshake.get().get("state") == null) {
            return new Ignored("AcceptHandshake", "responseElements.handshake.state is missing");
        }
        // CloudTrail writes these enums in either case ("action": "invite" in some records)
        if (!"ACCEPTED".equalsIgnoreCase(String.valueOf(handshake.get().get("state")))) {
            return new Ignored("AcceptHandshake", "handshake state is " + handshake.get().get("state") + ", not ACCEPTED");
        }
        Object action = handshake.get().get("action");
        if (action != null && !"INVITE".equalsIgnoreCase(String.valueOf(action))) {
            return new Ignored("AcceptHandshake", "handshake action " + action + " does not add an account");
        }
        Optional<String> account = handshake.get().get("parties") instanceof List<?> parties
                ? parties.stream().filter(Map.class::isInstance).map(p -> (Map<?, ?>) p)
                        .filter(p -> "ACCOUNT".equalsIgnoreCase(String.valueOf(p.get("type")))).map(p -> String.valueOf(p.get("id"))).findFirst()
                : Optional.empty();
        // An invitation sent to an email address names an EMAIL party: the accepting account is the caller.
        account = account.or(() -> string(detail, "userIdentity", "accountId"));
        return joined("AcceptHandshake", account.orElse(null),
                "responseElements.handshake.parties[type=ACCOUNT].id (or userIdentity.accountId)", JoinKind.INVITED);
    }

    /**
     * The outcome of a CloseAccount request (the Organizations guide documents it: {@code closeAccountStatus} with
     * state SUCCEEDED or FAILED). Only a closure that happened takes the account's grants away.
     */
    private static AccountEvent closeAccountResult(Map<String, Object> detail) {
        Optional<Map<String, Object>> status = map(detail, "serviceEventDetails", "closeAccountStatus");
        if (status.isEmpty()) {
            return new Ignored("CloseAccountResult", "serviceEventDetails.closeAccountStatus is missing");
        }
        Object state = status.get().get("state");
        if (state == null) {
            return new Ignored("CloseAccountResult", "serviceEventDetails.closeAccountStatus.state is missing");
        }
        if (!"SUCCEEDED".equalsIgnoreCase(String.valueOf(state))) {
            return new Ignored("CloseAccountResult", "account closure " + state
                    + Optional.ofNullable(status.get().get("failureReason")).map(r -> " (" + r + ")").orElse("")
                    + ": the account, its roles and statuses stay as they were");
        }
        return departed("CloseAccountResult", string(status.get(), "accountId").orElse(null),
                "serviceEventDetails.closeAccountStatus.accountId",
                "the account was closed");
    }

    private static AccountEvent accountJoined(Map<String, Object> detail) {
        JoinKind kind = membershipField(detail, "joinedMethod").filter(m -> m.equalsIgnoreCase("Created")).isPresent()
                ? JoinKind.CREATED : JoinKind.INVITED;
        return joined("AccountJoinedOrganization", membershipAccount(detail).orElse(null), "serviceEventDetails.accountId", kind);
    }

    private static AccountEvent moveAccount(Map<String, Object> detail) {
        Optional<String> account = string(detail, "requestParameters", "accountId");
        Optional<String> from = string(detail, "requestParameters", "sourceParentId");
        Optional<String> to = string(detail, "requestParameters", "destinationParentId");
        if (account.isEmpty() || from.isEmpty() || to.isEmpty()) {
            return new Ignored("MoveAccount", "requestParameters lacks "
                    + String.join(", ", Stream.of(account.isEmpty() ? "accountId" : null, from.isEmpty() ? "sourceParentId" : null,
                            to.isEmpty() ? "destinationParentId" : null).filter(Objects::nonNull).toList()));
        }
        if (!AccountId.isValid(account.get())) {
            return new Ignored("MoveAccount", "requestParameters.accountId '" + account.get() + "' is not a 12-digit account ID");
        }
        return new Moved("MoveAccount", AccountId.of(account.get()), from.get(), to.get());
    }

    private static AccountEvent controlTower(String name, Map<String, Object> detail) {
        if (!name.equals("CreateManagedAccount") && !name.equals("UpdateManagedAccount")) {
            return new Ignored(name, "Control Tower event " + name + " does not add an account");
        }
        String key = name.equals("CreateManagedAccount") ? "createManagedAccountStatus" : "updateManagedAccountStatus";
        Optional<Map<String, Object>> status = map(detail, "serviceEventDetails", key)
                .or(() -> map(detail, "serviceEventDetails", "createManagedAccountStatus"));
        if (status.isEmpty()) {
            return new Ignored(name, "serviceEventDetails." + key + " is missing");
        }
        if (status.get().get("state") == null) {
            return new Ignored(name, "serviceEventDetails." + key + ".state is missing");
        }
        if (!"SUCCEEDED".equals(status.get().get("state"))) {
            return new Ignored(name, "Control Tower reports state " + status.get().get("state") + ", not SUCCEEDED");
        }
        return joined(name, map(status.get(), "account").flatMap(a -> string(a, "accountId")).orElse(null),
                "serviceEventDetails." + key + ".account.accountId", JoinKind.CREATED);
    }

    /** @param account the account ID the event names in {@code field}; {@code null} when it names none */
    private static AccountEvent joined(String name, String account, String field, JoinKind kind) {
        if (account == null) {
            return new Ignored(name, field + " is missing");
        }
        if (!AccountId.isValid(account)) {
            return new Ignored(name, field + " '" + account + "' is not a 12-digit account ID");
        }
        return new Joined(name, AccountId.of(account), kind);
    }

    /** @param account the account ID the event names in {@code field}; {@code null} when it names none */
    private static AccountEvent departed(String name, String account, String field, String reason) {
        if (account == null) {
            return new Ignored(name, field + " is missing");
        }
        if (!AccountId.isValid(account)) {
            return new Ignored(name, field + " '" + account + "' is not a 12-digit account ID");
        }
        return new Departed(name, AccountId.of(account), reason + " (" + name + ")");
    }

    /** The membership events (2026) carry the member account in serviceEventDetails; older shapes in requestParameters. */
    private static Optional<String> membershipAccount(Map<String, Object> detail) {
        return string(detail, "serviceEventDetails", "accountId")
                .or(() -> string(detail, "requestParameters", "accountId"))
                .or(() -> string(detail, "additionalEventData", "accountId"));
    }

    private static Optional<String> membershipField(Map<String, Object> detail, String field) {
        return string(detail, "serviceEventDetails", field)
                .or(() -> string(detail, "requestParameters", field))
                .or(() -> string(detail, "additionalEventData", field));
    }

    @SuppressWarnings("unchecked")
    private static Optional<Map<String, Object>> map(Map<String, Object> from, String... path) {
        Object current = from;
        for (String key : path) {
            if (!(current instanceof Map<?, ?> m)) {
                return Optional.empty();
            }
            current = m.get(key);
        }
        return current instanceof Map<?, ?> m ? Optional.of((Map<String, Object>) m) : Optional.empty();
    }

    private static Optional<String> string(Map<String, Object> from, String... path) {
        Object current = from;
        for (String key : path) {
            if (!(current instanceof Map<?, ?> m)) {
                return Optional.empty();
            }
            current = m.get(key);
        }
        return current instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty();
    }
}
