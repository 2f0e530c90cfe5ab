package io.crossrole.testing;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crossrole.grant.GrantImages;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Builds Grants-table stream events, in the shape Lambda delivers them, from grant files: what the table's
 * stream would carry after a put or delete. Sequence numbers increase across calls.
 */
public final class StreamRecords {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong SEQUENCE = new AtomicLong(90_000_000_000_000_000L);

    private StreamRecords() {
    }

    public static DynamodbEvent insert(String grantJson) {
        return event("INSERT", null, grantJson);
    }

    public static DynamodbEvent modify(String oldJson, String newJson) {
        return event("MODIFY", oldJson, newJson);
    }

    public static DynamodbEvent remove(String oldJson) {
        return event("REMOVE", oldJson, null);
    }

    /**
     * Makes the Grants table hold what a stream batch says it held when its records were written (the last image of
     * each grant; a REMOVE deletes it), as a real stream's table would: the functions act on the table, not the event.
     */
    public static DynamodbEvent sync(DynamoDbClient dynamo, String table, DynamodbEvent event) {
        Map<String, Map<String, AttributeValue>> last = new LinkedHashMap<>();
        for (DynamodbEvent.DynamodbStreamRecord record : event.getRecords()) {
            String id = record.getDynamodb().getKeys().get("grantId").getS();
            last.put(id, "REMOVE".equals(record.getEventName()) ? null
                    : GrantImages.toItem(GrantImages.fromStreamImage(record.getDynamodb().getNewImage())));
        }
        last.forEach((id, item) -> {
            if (item == null) {
                dynamo.deleteItem(r -> r.tableName(table).key(Map.of("grantId", AttributeValue.fromS(id))));
            } else {
                dynamo.putItem(r -> r.tableName(table).item(item));
            }
        });
        return event;
    }

    /** The Lambda event's JSON text, as `crossrole invoke` reads it from a file. */
    public static String insertJson(String grantJson) {
        return json("INSERT", null, grantJson);
    }

    private static DynamodbEvent event(String name, String oldJson, String newJson) {
        byte[] bytes = json(name, oldJson, newJson).getBytes(StandardCharsets.UTF_8);
        return LambdaEventSerializers.serializerFor(DynamodbEvent.class, StreamRecords.class.getClassLoader())
                .fromJson(new ByteArrayInputStream(bytes));
    }

    private static String json(String name, String oldJson, String newJson) {
        Map<String, Object> any = GrantImages.fromJson(newJson != null ? newJson : oldJson);
        ObjectNode root = JSON.createObjectNode();
        ArrayNode records = root.putArray("Records");
        ObjectNode record = records.addObject();
        record.put("eventID", Long.toHexString(SEQUENCE.get()));
        record.put("eventName", name);
        record.put("eventVersion", "1.1");
        record.put("eventSource", "aws:dynamodb");
        record.put("awsRegion", "us-east-1");
        ObjectNode dynamodb = record.putObject("dynamodb");
        dynamodb.put("ApproximateCreationDateTime", 1795000000);
        dynamodb.putObject("Keys").set("grantId", JSON.createObjectNode().put("S", String.valueOf(any.get("grantId"))));
        if (newJson != null) {
            dynamodb.set("NewImage", image(GrantImages.fromJson(newJson)));
        }
        if (oldJson != null) {
            dynamodb.set("OldImage", image(GrantImages.fromJson(oldJson)));
        }
        dynamodb.put("SequenceNumber", String.valueOf(SEQUENCE.incrementAndGet()));
        dynamodb.put("SizeBytes", 100);
        dynamodb.put("StreamViewType", "NEW_AND_OLD_IMAGES");
        record.put("eventSourceARN", "arn:aws:dynamodb:us-east-1:123456789012:table/GrantsTable/stream/2026-11-22T00:00:00.000");
        return root.toString();
    }

    private static ObjectNode image(Map<String, Object> item) {
        ObjectNode node = JSON.createObjectNode();
        item.forEach((k, v) -> {
            if (v != null) {
                node.set(k, attribute(v));
            }
        });
        return node;
    }

    private static ObjectNode attribute(Object v) {
        ObjectNode node = JSON.createObjectNode();
        if (v instanceof String s) {
            node.put("S", s);
        } else if (v instanceof BigDecimal n) {
            node.put("N", n.toPlainString());
        } else if (v instanceof Boolean b) {
            node.put("BOOL", b);
        } else if (v instanceof List<?> list) {
            ArrayNode items = node.putArray("L");
            list.forEach(x -> items.add(attribute(x)));
        } else if (v instanceof Map<?, ?> map) {
            ObjectNode m = node.putObject("M");
            map.forEach((k, x) -> m.set(String.valueOf(k), attribute(x)));
        } else {
            throw new IllegalArgumentException("unsupported value " + v);
        }
        return node;
    }
}
