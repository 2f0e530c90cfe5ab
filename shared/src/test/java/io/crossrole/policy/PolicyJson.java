package io.crossrole.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/**
 * Test helper: parses policy JSON into a tree in which the fields IAM lets be either a scalar or a list
 * (Statement, Action, Resource, principal values, condition values) are always arrays, so that documents
 * can be compared structurally. Array order is kept: the builders promise a stable order.
 */
final class PolicyJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> LISTS = Set.of("Action", "NotAction", "Resource", "NotResource");

    private PolicyJson() {
    }

    static JsonNode tree(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("not a JSON object: " + json);
            }
            return normalize((ObjectNode) node.deepCopy());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static JsonNode normalize(ObjectNode policy) {
        ArrayNode statements = asArray(policy.get("Statement"));
        policy.set("Statement", statements);
        for (JsonNode s : statements) {
            ObjectNode statement = (ObjectNode) s;
            for (String field : LISTS) {
                if (statement.has(field)) {
                    statement.set(field, asArray(statement.get(field)));
                }
            }
            for (String field : new String[] {"Principal", "NotPrincipal"}) {
                if (statement.get(field) instanceof ObjectNode principal) {
                    principal.properties().forEach(e -> e.setValue(asArray(e.getValue())));
                }
            }
            if (statement.get("Condition") instanceof ObjectNode condition) {
                condition.properties().forEach(op -> {
                    if (op.getValue() instanceof ObjectNode keys) {
                        keys.properties().forEach(k -> k.setValue(asArray(k.getValue())));
                    }
                });
            }
        }
        return policy;
    }

    private static ArrayNode asArray(JsonNode node) {
        if (node instanceof ArrayNode array) {
            return array;
        }
        ArrayNode array = JSON.createArrayNode();
        if (node != null) {
            array.add(node);
        }
        return array;
    }
}
