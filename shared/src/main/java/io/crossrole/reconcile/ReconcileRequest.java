package io.crossrole.reconcile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crossrole.grant.GranteeSide;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.IamNames;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * A reconcile message: which key to make right, and why — never what to write. The worker reads the grant and the
 * organization as they are when it runs, so the order, replays and duplicates of messages cannot apply stale state.
 * The only state it carries is the role name a revocation needs when the grant record is already gone.
 *
 * @param cause      who asked
 * @param causeId    the asking event's identity (a stream record ID, an EventBridge event ID, a drift run ID): the
 *                   deduplication ID is made of it, so that only true duplicates collapse
 * @param roleName   the role the grant had there, for a revocation after the record is gone
 *
 * <pre>{@code
 * String body = request.toJson();
 * ReconcileRequest back = ReconcileRequest.parse(body);
 * }</pre>
 */
public record ReconcileRequest(ReconcileKey key, Cause cause, String causeId, Optional<String> roleName) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Who asked for a reconcile; only the words of a status depend on it, never what is written. */
    public enum Cause {
        /** A change of the grant's record (the Grants table's stream). */
        STREAM("stream"),
        /** The record was removed by the table's TTL, or the drift check found the grant expired. */
        EXPIRY("expiry"),
        /** An account joined, moved or left. */
        ACCOUNT_EVENT("account-event"),
        /** A drift repair, or missing coverage the drift check found. */
        DRIFT("drift"),
        /** {@code crossrole grant plan}: never queued. */
        PLAN("plan");

        private final String wire;

        Cause(String wire) {
            this.wire = wire;
        }

        /** As written in a message. */
        public String wire() {
            return wire;
        }

        static Cause of(String wire) {
            for (Cause c : values()) {
                if (c.wire.equals(wire)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("the reconcile message's cause '" + wire + "' is none of "
                    + Arrays.stream(values()).map(Cause::wire).toList());
        }
    }

    public ReconcileRequest {
        Objects.requireNonNull(key);
        Objects.requireNonNull(cause);
        Objects.requireNonNull(causeId);
        Objects.requireNonNull(roleName);
    }

    /** The message group: the account the work happens in. */
    public String groupId() {
        return key.account().value();
    }

    /** A deduplication ID that is the same only for the same key asked for by the same event. */
    public String deduplicationId() {
        String text = key.grantId() + "|" + key.assignmentKey().stored() + "|" + cause.wire() + "|" + causeId;
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String toJson() {
        ObjectNode body = JSON.createObjectNode();
        body.put("grantId", key.grantId());
        switch (key) {
            case ReconcileKey.OwnerAccount o -> body.put("account", o.owner().value());
            case ReconcileKey.Grantee g -> {
                body.put("grantee", g.principal().toString());
                if (g.side() == GranteeSide.DENY) {
                    body.put("deny", true);
                }
            }
        }
        body.put("cause", cause.wire());
        body.put("causeId", causeId);
        roleName.ifPresent(r -> body.put("roleName", r));
        return body.toString();
    }

    /** @throws IllegalArgumentException saying what is wrong with the message */
    public static ReconcileRequest parse(String body) {
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a reconcile message is JSON: " + e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException("a reconcile message is a JSON object with grantId and account or grantee");
        }
        String grantId = tree.path("grantId").asText("");
        if (grantId.isEmpty()) {
            throw new IllegalArgumentException("the reconcile message has no grantId");
        }
        ReconcileKey key;
        if (tree.hasNonNull("account")) {
            String account = tree.get("account").asText();
            if (!AccountId.isValid(account)) {
                throw new IllegalArgumentException("the reconcile message's account '" + account + "' is not a 12-digit account ID");
            }
            key = new ReconcileKey.OwnerAccount(grantId, AccountId.of(account));
        } else if (tree.hasNonNull("grantee")) {
            Optional<Arn> arn = Arn.parse(tree.get("grantee").asText());
            if (arn.isEmpty() || !AccountId.isValid(arn.get().account())) {
                throw new IllegalArgumentException("the reconcile message's grantee '" + tree.get("grantee").asText() + "' is not an IAM ARN");
            }
            key = new ReconcileKey.Grantee(grantId, arn.get(), tree.path("deny").asBoolean(false) ? GranteeSide.DENY : GranteeSide.ALLOW);
        } else {
            throw new IllegalArgumentException("the reconcile message names neither an account nor a grantee");
        }
        Optional<String> role = Optional.ofNullable(tree.get("roleName")).map(JsonNode::asText).filter(IamNames::isValidRoleName);
        return new ReconcileRequest(key, Cause.of(tree.path("cause").asText("")), tree.path("causeId").asText(""), role);
    }
}
