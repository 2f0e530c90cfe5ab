package io.crossrole.store;

import io.crossrole.failure.ProvisioningException;
import io.crossrole.grant.GrantImages;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

/** Reads grant records from the Grants table, as plain trees for {@code GrantParser}. */
public final class GrantStore {
    private static final int BATCH = 100;

    private final DynamoDbClient dynamo;
    private final String table;

    public GrantStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /**
     * The records with these IDs as the table holds them now (strongly consistent BatchGetItem; unprocessed keys are
     * asked again), by grant ID; an ID with no record is absent from the map.
     */
    public Map<String, Map<String, Object>> current(Collection<String> grantIds) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Map<String, Object> raw : get(grantIds)) {
            if (raw.get("grantId") instanceof String id) {
                out.put(id, raw);
            }
        }
        return out;
    }

    /** The records with these IDs that exist, with BatchGetItem (unprocessed keys are asked again). */
    public List<Map<String, Object>> get(Collection<String> grantIds) {
        List<Map<String, Object>> out = new ArrayList<>();
        List<String> ids = List.copyOf(new LinkedHashSet<>(grantIds));
        for (int i = 0; i < ids.size(); i += BATCH) {
            List<Map<String, AttributeValue>> keys = ids.subList(i, Math.min(ids.size(), i + BATCH)).stream()
                    .map(id -> Map.of("grantId", AttributeValue.fromS(id))).toList();
            Map<String, KeysAndAttributes> request = new HashMap<>(Map.of(table,
                    KeysAndAttributes.builder().keys(keys).consistentRead(true).build()));
            for (int round = 0; !request.isEmpty() && round < 10; round++) {
                Map<String, KeysAndAttributes> ask = request;
                BatchGetItemResponse response = dynamo.batchGetItem(r -> r.requestItems(ask));
                response.responses().getOrDefault(table, List.of()).forEach(item -> out.add(GrantImages.fromItem(item)));
                request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            }
            if (!request.isEmpty()) {
                // a record not read is not a record gone: never let throttling look like a deletion
                throw ProvisioningException.retryable("cannot read every grant from " + table
                        + ": DynamoDB left keys unprocessed after 10 rounds", null);
            }
        }
        return out;
    }

    /** Every record in the table. */
    public List<Map<String, Object>> all() {
        List<Map<String, Object>> out = new ArrayList<>();
        dynamo.scanPaginator(r -> r.tableName(table).consistentRead(true)).items().forEach(item -> out.add(GrantImages.fromItem(item)));
        return out;
    }
}
