package io.crossrole.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps condition values (an external ID above all) out of statuses, logs and printed plans: a policy document is
 * shown with each condition value replaced by {@value #REDACTED}, keys and operators kept.
 *
 * <pre>{@code
 * Redaction.conditionValues(trust); // ..."Condition":{"StringEquals":{"sts:ExternalId":"(redacted)"}}...
 * }</pre>
 */
public final class Redaction {
    public static final String REDACTED = "(redacted)";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Redaction() {
    }

    /** The document with its condition values redacted; a text that is not a JSON policy is redacted whole. */
    public static String conditionValues(String document) {
        JsonNode tree;
        try {
            tree = JSON.readTree(PolicyDocuments.canonical(document));
        } catch (JsonProcessingException | RuntimeException e) {
            return REDACTED;
        }
        JsonNode statements = tree.path("Statement");
        List<JsonNode> list = new ArrayList<>();
        if (statements.isArray()) {
            statements.forEach(list::add);
        } else if (statements.isObject()) {
            list.add(statements);
        }
        for (JsonNode statement : list) {
            JsonNode condition = statement.path("Condition");
            if (!condition.isObject()) {
                continue;
            }
            condition.fields().forEachRemaining(operator -> {
                if (operator.getValue() instanceof ObjectNode keys) {
                    List<String> names = new ArrayList<>();
                    keys.fieldNames().forEachRemaining(names::add);
                    names.forEach(key -> keys.put(key, REDACTED));
                }
            });
        }
        return tree.toString();
    }
}
