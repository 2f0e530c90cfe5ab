package io.crossrole.grant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the forms a grant record arrives in into one plain tree ({@code String}, {@code BigDecimal},
 * {@code Boolean}, {@code List}, {@code Set}, {@code Map}) that {@link GrantParser} reads: a DynamoDB
 * stream image (as Lambda delivers it), a DynamoDB item read with the SDK, or a plain JSON grant file.
 *
 * <pre>{@code
 * Map<String, Object> raw = GrantImages.fromStreamImage(record.getDynamodb().getNewImage());
 * }</pre>
 */
public final class GrantImages {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

    private GrantImages() {
    }

    public static Map<String, Object> fromStreamImage(
            Map<String, com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue> image) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (image != null) {
            image.forEach((k, v) -> out.put(k, plain(v)));
        }
        return out;
    }

    public static Map<String, Object> fromItem(
            Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item) {
        Map<String, Object> out = new LinkedHashMap<>();
        item.forEach((k, v) -> out.put(k, plain(v)));
        return out;
    }

    /**
     * Parses a grant file: the record's attribute names with plain JSON values (a {@code $schema} key, for
     * editors, is dropped).
     *
     * @throws IllegalArgumentException when the text is not a JSON object
     */
    public static Map<String, Object> fromJson(String json) {
        Object tree;
        try {
            tree = JSON.readValue(json, Object.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
        if (!(tree instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("a grant file holds one JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> plain = (Map<String, Object>) normalizeNumbers(map);
        plain.remove("$schema");
        return plain;
    }

    /** A plain tree as a DynamoDB item, for writing a grant file to the Grants table. */
    public static Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> toItem(Map<String, Object> raw) {
        Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> {
            if (v != null) {
                out.put(k, attribute(v));
            }
        });
        return out;
    }

    private static software.amazon.awssdk.services.dynamodb.model.AttributeValue attribute(Object v) {
        var b = software.amazon.awssdk.services.dynamodb.model.AttributeValue.builder();
        if (v instanceof String s) {
            return b.s(s).build();
        }
        if (v instanceof Number n) {
            return b.n(new BigDecimal(n.toString()).toPlainString()).build();
        }
        if (v instanceof Boolean bool) {
            return b.bool(bool).build();
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> inner = new LinkedHashMap<>();
            m.forEach((k, x) -> {
                if (x != null) {
                    inner.put(String.valueOf(k), attribute(x));
                }
            });
            return b.m(inner).build();
        }
        if (v instanceof Iterable<?> list) {
            List<software.amazon.awssdk.services.dynamodb.model.AttributeValue> items = new ArrayList<>();
            list.forEach(x -> items.add(attribute(x)));
            return b.l(items).build();
        }
        if (v == null) {
            return b.nul(true).build();
        }
        throw new IllegalArgumentException("cannot store " + v.getClass().getSimpleName());
    }

    private static Object normalizeNumbers(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), normalizeNumbers(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(normalizeNumbers(x)));
            return out;
        }
        if (v instanceof Number n) {
            return new BigDecimal(n.toString());
        }
        return v;
    }

    private static Object plain(com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue v) {
        if (v == null) {
            return null;
        }
        if (v.getS() != null) {
            return v.getS();
        }
        if (v.getN() != null) {
            return number(v.getN());
        }
        if (v.getBOOL() != null) {
            return v.getBOOL();
        }
        if (v.getNULL() != null && v.getNULL()) {
            return null;
        }
        if (v.getL() != null) {
            List<Object> out = new ArrayList<>();
            v.getL().forEach(x -> out.add(plain(x)));
            return out;
        }
        if (v.getM() != null) {
            Map<String, Object> out = new LinkedHashMap<>();
            v.getM().forEach((k, x) -> out.put(k, plain(x)));
            return out;
        }
        if (v.getSS() != null) {
            return new LinkedHashSet<>(v.getSS());
        }
        if (v.getNS() != null) {
            Set<Object> out = new LinkedHashSet<>();
            v.getNS().forEach(n -> out.add(number(n)));
            return out;
        }
        if (v.getB() != null || v.getBS() != null) {
            return new byte[0];
        }
        return null;
    }

    private static Object plain(software.amazon.awssdk.services.dynamodb.model.AttributeValue v) {
        switch (v.type()) {
            case S: return v.s();
            case N: return number(v.n());
            case BOOL: return v.bool();
            case NUL: return null;
            case L: {
                List<Object> out = new ArrayList<>();
                v.l().forEach(x -> out.add(plain(x)));
                return out;
            }
            case M: {
                Map<String, Object> out = new LinkedHashMap<>();
                v.m().forEach((k, x) -> out.put(k, plain(x)));
                return out;
            }
            case SS: return new LinkedHashSet<>(v.ss());
            case NS: {
                Set<Object> out = new LinkedHashSet<>();
                v.ns().forEach(n -> out.add(number(n)));
                return out;
            }
            default: return new byte[0];
        }
    }

    private static Object number(String n) {
        try {
            return new BigDecimal(n);
        } catch (NumberFormatException e) {
            return n;
        }
    }
}
