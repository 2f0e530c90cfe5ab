package io.crossrole.cli.template;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * template.yaml as plain maps and lists. CloudFormation's short-form tags become their long forms:
 * {@code !Ref GrantsTable} reads as {@code {"Ref": "GrantsTable"}}, {@code !GetAtt T.StreamArn} as
 * {@code {"Fn::GetAtt": "T.StreamArn"}}.
 *
 * <pre>{@code
 * SamTemplate template = SamTemplate.read(Path.of("template.yaml"));
 * Map<String, Object> fn = template.resource("GrantStreamFunction").orElseThrow();
 * }</pre>
 */
public final class SamTemplate {
    /** CloudFormation's short-form tags, as Jackson reports them (without the leading {@code !}). */
    private static final java.util.Set<String> INTRINSICS = java.util.Set.of("Ref", "Condition", "GetAtt", "Sub", "If",
            "Not", "Equals", "And", "Or", "Join", "Select", "Split", "FindInMap", "GetAZs", "ImportValue", "Base64",
            "Cidr", "Transform", "ToJsonString", "Length");

    private final Map<String, Object> root;

    private SamTemplate(Map<String, Object> root) {
        this.root = root;
    }

    public static SamTemplate read(Path file) {
        try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
            parser.nextToken();
            Object tree = value(parser);
            if (!(tree instanceof Map<?, ?>)) {
                throw new IllegalArgumentException(file + " is not a CloudFormation template");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) tree;
            return new SamTemplate(map);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public static SamTemplate read(String yaml) {
        try {
            Path tmp = Files.createTempFile("template", ".yaml");
            Files.writeString(tmp, yaml);
            try {
                return read(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Map<String, Object> resources() {
        return map(root.get("Resources"));
    }

    public Optional<Map<String, Object>> resource(String logicalId) {
        return Optional.ofNullable(resources().get(logicalId)).map(SamTemplate::map);
    }

    public Map<String, Object> outputs() {
        return map(root.get("Outputs"));
    }

    public Map<String, Object> parameters() {
        return map(root.get("Parameters"));
    }

    /** The logical IDs of the resources of one type, in template order. */
    public List<String> resourcesOfType(String type) {
        return resources().entrySet().stream()
                .filter(e -> type.equals(map(e.getValue()).get("Type")))
                .map(Map.Entry::getKey)
                .toList();
    }

    /** A function's property, or the template's Globals.Function default. */
    public Optional<Object> functionProperty(String logicalId, String property) {
        Object own = resource(logicalId).map(r -> map(r.get("Properties")).get(property)).orElse(null);
        if (own != null) {
            return Optional.of(own);
        }
        return Optional.ofNullable(map(map(root.get("Globals")).get("Function")).get(property));
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static Object value(YAMLParser p) throws IOException {
        String tag = p.getTypeId();
        JsonToken token = p.currentToken();
        Object value;
        if (token == JsonToken.START_OBJECT) {
            Map<String, Object> map = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                map.put(name, value(p));
            }
            value = map;
        } else if (token == JsonToken.START_ARRAY) {
            List<Object> list = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                list.add(value(p));
            }
            value = list;
        } else if (token == JsonToken.VALUE_NULL) {
            value = null;
        } else if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
            value = p.getNumberValue();
        } else if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
            value = p.getBooleanValue();
        } else {
            value = p.getText();
        }
        if (tag != null && INTRINSICS.contains(tag)) {
            return Map.of(tag.equals("Ref") || tag.equals("Condition") ? tag : "Fn::" + tag, value == null ? "" : value);
        }
        return value;
    }
}
