package io.crossrole.cli.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Reads a table's DynamoDB stream and shapes its records as the Lambda event source mapping delivers them
 * ({@code {"Records":[{"eventID":…,"dynamodb":{…},"eventSourceARN":…}]}}). Remembers where each shard was
 * read up to, so each {@link #poll()} returns only new records.
 *
 * <pre>{@code
 * StreamEvents stream = new StreamEvents(streams, streamArn, "us-east-1");
 * for (String event : stream.poll(25)) { fn.invoke(event); }
 * }</pre>
 */
public final class StreamEvents {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DynamoDbStreamsClient streams;
    private final String streamArn;
    private final String region;
    private final Map<String, String> iterators = new java.util.LinkedHashMap<>();

    public StreamEvents(DynamoDbStreamsClient streams, String streamArn, String region) {
        this.streams = streams;
        this.streamArn = streamArn;
        this.region = region;
    }

    /** New records, in batches of at most {@code batchSize}, each batch as a Lambda event's JSON. */
    public List<String> poll(int batchSize) {
        List<ObjectNode> records = pollRecords();
        List<String> events = new ArrayList<>();
        for (int i = 0; i < records.size(); i += batchSize) {
            events.add(event(records.subList(i, Math.min(records.size(), i + batchSize))));
        }
        return events;
    }

    /** New records, each shaped as a record of Lambda's DynamoDB event. */
    public List<ObjectNode> pollRecords() {
        List<Record> records = new ArrayList<>();
        streams.describeStream(r -> r.streamArn(streamArn)).streamDescription().shards().forEach(shard ->
                iterators.computeIfAbsent(shard.shardId(), id -> streams.getShardIterator(r -> r.streamArn(streamArn)
                        .shardId(id).shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator()));
        for (Map.Entry<String, String> shard : iterators.entrySet()) {
            String iterator = shard.getValue();
            while (iterator != null) {
                String current = iterator;
                var response = streams.getRecords(r -> r.shardIterator(current).limit(1000));
                records.addAll(response.records());
                iterator = response.nextShardIterator();
                if (response.records().isEmpty()) {
                    break;
                }
            }
            shard.setValue(iterator);
        }
        return records.stream().map(this::record).toList();
    }

    /** A Lambda DynamoDB event holding these records. */
    public static String event(List<ObjectNode> records) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode out = root.putArray("Records");
        records.forEach(out::add);
        return root.toString();
    }

    private ObjectNode record(Record r) {
        {
            ObjectNode record = JSON.createObjectNode();
            record.put("eventID", r.eventID());
            record.put("eventName", r.eventNameAsString());
            record.put("eventVersion", r.eventVersion() == null ? "1.1" : r.eventVersion());
            record.put("eventSource", "aws:dynamodb");
            record.put("awsRegion", region);
            ObjectNode dynamodb = record.putObject("dynamodb");
            if (r.dynamodb().approximateCreationDateTime() != null) {
                dynamodb.put("ApproximateCreationDateTime", r.dynamodb().approximateCreationDateTime().getEpochSecond());
            }
            dynamodb.set("Keys", image(r.dynamodb().keys()));
            if (r.dynamodb().hasNewImage()) {
                dynamodb.set("NewImage", image(r.dynamodb().newImage()));
            }
            if (r.dynamodb().hasOldImage()) {
                dynamodb.set("OldImage", image(r.dynamodb().oldImage()));
            }
            dynamodb.put("SequenceNumber", r.dynamodb().sequenceNumber());
            if (r.dynamodb().sizeBytes() != null) {
                dynamodb.put("SizeBytes", r.dynamodb().sizeBytes());
            }
            dynamodb.put("StreamViewType", r.dynamodb().streamViewTypeAsString());
            if (r.userIdentity() != null) {
                record.putObject("userIdentity").put("type", r.userIdentity().type()).put("principalId", r.userIdentity().principalId());
            }
            record.put("eventSourceARN", streamArn);
            return record;
        }
    }

    private static ObjectNode image(Map<String, AttributeValue> item) {
        ObjectNode node = JSON.createObjectNode();
        item.forEach((k, v) -> node.set(k, attribute(v)));
        return node;
    }

    private static ObjectNode attribute(AttributeValue v) {
        ObjectNode node = JSON.createObjectNode();
        switch (v.type()) {
            case S -> node.put("S", v.s());
            case N -> node.put("N", v.n());
            case BOOL -> node.put("BOOL", v.bool());
            case NUL -> node.put("NULL", true);
            case SS -> v.ss().forEach(node.putArray("SS")::add);
            case NS -> v.ns().forEach(node.putArray("NS")::add);
            case L -> {
                ArrayNode list = node.putArray("L");
                v.l().forEach(x -> list.add(attribute(x)));
            }
            case M -> node.set("M", image(v.m()));
            case B -> node.put("B", v.b().asByteArray());
            default -> node.putNull("NULL");
        }
        return node;
    }
}
