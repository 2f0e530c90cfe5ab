package io.crossrole.cli.local;

import io.crossrole.cli.template.SamTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;

/**
 * Creates the DynamoDB tables that template.yaml declares (keys, stream, TTL, global secondary indexes)
 * on an emulator, named by their logical IDs unless the environment names them.
 *
 * <pre>{@code
 * new LocalTables(template).create(dynamo, Map.of("GrantsTable", "GrantsTable"));
 * }</pre>
 */
public final class LocalTables {
    private final SamTemplate template;

    public LocalTables(SamTemplate template) {
        this.template = template;
    }

    /**
     * @param names logical ID → physical table name
     * @return the tables created (those that existed already are left as they are)
     */
    public List<String> create(DynamoDbClient dynamo, Map<String, String> names) {
        List<String> created = new ArrayList<>();
        for (String logicalId : template.resourcesOfType("AWS::DynamoDB::Table")) {
            Map<String, Object> props = SamTemplate.map(template.resource(logicalId).orElseThrow().get("Properties"));
            String name = names.getOrDefault(logicalId, logicalId);
            CreateTableRequest.Builder request = CreateTableRequest.builder()
                    .tableName(name)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(list(props.get("AttributeDefinitions")).stream()
                            .map(a -> AttributeDefinition.builder()
                                    .attributeName(str(a, "AttributeName"))
                                    .attributeType(str(a, "AttributeType")).build())
                            .toList())
                    .keySchema(keys(props.get("KeySchema")));
            Map<String, Object> stream = SamTemplate.map(props.get("StreamSpecification"));
            if (!stream.isEmpty()) {
                request.streamSpecification(s -> s.streamEnabled(true).streamViewType(str(stream, "StreamViewType")));
            }
            List<GlobalSecondaryIndex> indexes = list(props.get("GlobalSecondaryIndexes")).stream()
                    .map(i -> GlobalSecondaryIndex.builder()
                            .indexName(str(i, "IndexName"))
                            .keySchema(keys(i.get("KeySchema")))
                            .projection(p -> p.projectionType(str(SamTemplate.map(i.get("Projection")), "ProjectionType")))
                            .build())
                    .toList();
            if (!indexes.isEmpty()) {
                request.globalSecondaryIndexes(indexes);
            }
            try {
                dynamo.createTable(request.build());
                created.add(name);
            } catch (ResourceInUseException e) {
                continue;
            }
            Map<String, Object> ttl = SamTemplate.map(props.get("TimeToLiveSpecification"));
            if (Boolean.TRUE.equals(ttl.get("Enabled"))) {
                dynamo.updateTimeToLive(r -> r.tableName(name)
                        .timeToLiveSpecification(t -> t.enabled(true).attributeName(str(ttl, "AttributeName"))));
            }
        }
        return created;
    }

    private static List<KeySchemaElement> keys(Object schema) {
        return list(schema).stream()
                .map(k -> KeySchemaElement.builder().attributeName(str(k, "AttributeName")).keyType(str(k, "KeyType")).build())
                .toList();
    }

    private static List<Map<String, Object>> list(Object value) {
        return value instanceof List<?> l ? l.stream().map(SamTemplate::map).toList() : List.of();
    }

    private static String str(Map<String, Object> map, String key) {
        Object v = map.get(key);
        if (v == null) {
            throw new IllegalArgumentException("template: missing " + key + " in " + map);
        }
        return String.valueOf(v);
    }
}
