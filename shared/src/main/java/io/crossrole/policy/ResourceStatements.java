package io.crossrole.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crossrole.grant.ResourceGrant;
import io.crossrole.model.Principal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.policybuilder.iam.IamConditionOperator;
import software.amazon.awssdk.policybuilder.iam.IamEffect;
import software.amazon.awssdk.policybuilder.iam.IamPolicy;
import software.amazon.awssdk.policybuilder.iam.IamPrincipalType;
import software.amazon.awssdk.policybuilder.iam.IamStatement;

/**
 * A resource-policy grant's one statement, and its place in a resource's policy: pure functions on policy JSON.
 * {@link #with} and {@link #without} touch nothing but the statement whose Sid is the grant's: every other statement,
 * and the policy's Version and Id, are carried over node for node (their JSON is unchanged).
 *
 * <pre>{@code
 * String next = ResourceStatements.with(current, ResourceStatements.statement(grant, arns));
 * }</pre>
 */
public final class ResourceStatements {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ResourceStatements() {
    }

    /** The grant's statement for one policy: its principals may do its actions on these resources. */
    public static ObjectNode statement(ResourceGrant grant, List<String> resourceArns) {
        IamStatement.Builder statement = IamStatement.builder()
                .sid(grant.sid())
                .effect(IamEffect.ALLOW)
                .addPrincipals(IamPrincipalType.AWS, grant.trustedPrincipals().stream().map(Principal::arn).distinct().sorted().toList())
                .actionIds(grant.actions())
                .resourceIds(resourceArns);
        if (grant.requireMfa()) {
            statement.addCondition(IamConditionOperator.BOOL, "aws:MultiFactorAuthPresent", "true");
        }
        grant.expiresAt().ifPresent(at -> statement.addCondition(IamConditionOperator.DATE_LESS_THAN, "aws:CurrentTime", at.toString()));
        String policy = IamPolicy.builder().version(PolicyDocuments.VERSION).addStatement(statement.build()).build().toJson();
        return (ObjectNode) statements(read(policy)).get(0);
    }

    /** The statement with this Sid in a policy, if there is one. */
    public static Optional<ObjectNode> find(String policy, String sid) {
        return statements(read(policy)).stream().filter(s -> sid.equals(s.path("Sid").asText(null)))
                .map(ObjectNode.class::cast).findFirst();
    }

    /** True when the statement in the policy means what {@code desired} means (policies compared by meaning). */
    public static boolean same(ObjectNode found, ObjectNode desired) {
        return PolicyDocuments.equivalent(wrap(found), wrap(desired));
    }

    /** The policy with the statement in place of any of its Sid (appended if there was none). */
    public static String with(String policy, ObjectNode statement) {
        return put(read(policy), statement);
    }

    /** A new policy holding just the statement: for a resource that has no policy. */
    public static String policyOf(ObjectNode statement) {
        ObjectNode fresh = JSON.createObjectNode();
        fresh.put("Version", PolicyDocuments.VERSION);
        return put(fresh, statement);
    }

    private static String put(ObjectNode root, ObjectNode statement) {
        String sid = statement.path("Sid").asText();
        ArrayNode out = JSON.createArrayNode();
        boolean replaced = false;
        for (JsonNode s : statements(root)) {
            if (sid.equals(s.path("Sid").asText(null))) {
                if (!replaced) {
                    out.add(statement);
                    replaced = true;
                }
            } else {
                out.add(s);
            }
        }
        if (!replaced) {
            out.add(statement);
        }
        root.set("Statement", out);
        return root.toString();
    }

    /** The policy without the statement of this Sid; empty when nothing else is left (the policy can go). */
    public static Optional<String> without(String policy, String sid) {
        ObjectNode root = read(policy);
        ArrayNode out = JSON.createArrayNode();
        statements(root).stream().filter(s -> !sid.equals(s.path("Sid").asText(null))).forEach(out::add);
        if (out.isEmpty()) {
            return Optional.empty();
        }
        root.set("Statement", out);
        return Optional.of(root.toString());
    }

    /** The statements other than the one of this Sid, each as its JSON: what a grant must leave exactly as it was. */
    public static List<String> others(String policy, String sid) {
        return statements(read(policy)).stream().filter(s -> !sid.equals(s.path("Sid").asText(null)))
                .map(JsonNode::toString).toList();
    }

    /** The size the service counts: bytes of the document as written. */
    public static int bytes(String policy) {
        return policy.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String wrap(ObjectNode statement) {
        ObjectNode policy = JSON.createObjectNode();
        policy.put("Version", PolicyDocuments.VERSION);
        ObjectNode copy = statement.deepCopy();
        copy.remove("Sid");
        policy.set("Statement", JSON.createArrayNode().add(copy));
        return policy.toString();
    }

    private static List<JsonNode> statements(ObjectNode policy) {
        JsonNode s = policy.path("Statement");
        List<JsonNode> out = new ArrayList<>();
        if (s.isArray()) {
            s.forEach(out::add);
        } else if (s.isObject()) {
            out.add(s);
        }
        return out;
    }

    private static ObjectNode read(String policy) {
        try {
            JsonNode node = JSON.readTree(policy);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("a resource policy is a JSON object");
            }
            return (ObjectNode) node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a resource policy that is not JSON: " + e.getOriginalMessage(), e);
        }
    }
}
