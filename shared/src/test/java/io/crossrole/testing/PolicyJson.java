package io.crossrole.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Reads policy documents in assertions, where IAM lets a field be one string or a list. */
public final class PolicyJson {
    private PolicyJson() {
    }

    /**
     * The field as a list: {@code "Action": "s3:GetObject"} and {@code "Action": ["s3:GetObject"]} read alike.
     *
     * <pre>{@code assertThat(PolicyJson.texts(statement.path("Action"))).containsExactly("sqs:SendMessage");}</pre>
     */
    public static List<String> texts(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else if (!node.isMissingNode()) {
            out.add(node.asText());
        }
        return out;
    }
}
