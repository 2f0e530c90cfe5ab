package io.crossrole.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.crossrole.failure.AwsFailures;
import io.crossrole.failure.ProvisioningException;
import io.crossrole.grant.GrantImages;
import io.crossrole.grant.GrantParser;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

/**
 * Reads grant records from the Grants table, strongly consistent, parsed: what every function acts on. A record
 * that cannot be read (DynamoDB left it unprocessed) is an error, never taken for a record that is gone.
 *
 * <pre>{@code
 * Optional<GrantRecord> grant = grants.current("prod-updateapp");
 * }</pre>
 */
public final class GrantStore {
    private static final int BATCH = 100;
    private static final ObjectMapper CANONICAL = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final DynamoDbClient dynamo;
    private final String table;
    private final GrantParser parser;

    public GrantStore(DynamoDbClient dynamo, String table, GrantParser parser) {
        this.dynamo = dynamo;
        this.table = table;
        this.parser = parser;
    }

    /** The record as the table holds it now; empty when there is none. */
    public Optional<GrantRecord> current(String grantId) {
        return Optional.ofNullable(current(List.of(grantId)).get(grantId));
    }

    /** The records with these IDs as the table holds them now, by grant ID; an ID with no record is absent. */
    public Map<String, GrantRecord> current(Collection<String> grantIds) {
        Map<String, GrantRecord> out = new LinkedHashMap<>();
        List<String> ids = List.copyOf(new LinkedHashSet<>(grantIds));
        for (int i = 0; i < ids.size(); i += BATCH) {
            List<Map<String, AttributeValue>> keys = ids.subList(i, Math.min(ids.size(), i + BATCH)).stream()
                    .map(id -> Map.of("grantId", AttributeValue.fromS(id))).toList();
            Map<String, KeysAndAttributes> request = new HashMap<>(Map.of(table,
                    KeysAndAttributes.builder().keys(keys).consistentRead(true).build()));
            for (int round = 0; !request.isEmpty() && round < 10; round++) {
                Map<String, KeysAndAttributes> ask = request;
                BatchGetItemResponse response;
                try {
                    response = dynamo.batchGetItem(r -> r.requestItems(ask));
                } catch (RuntimeException e) {
                    throw new ProvisioningException("cannot read grants from " + table + ": " + AwsFailures.message(e),
                            AwsFailures.isRetryable(e), e);
                }
                response.responses().getOrDefault(table, List.of()).forEach(item -> add(out, item));
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
    public List<GrantRecord> all() {
        Map<String, GrantRecord> out = new LinkedHashMap<>();
        dynamo.scanPaginator(r -> r.tableName(table).consistentRead(true)).items().forEach(item -> add(out, item));
        return new ArrayList<>(out.values());
    }

    /**
     * The record these attributes make, parsed as the functions parse it: what {@code crossrole grant plan} plans a
     * grant file with, before it is in the table.
     *
     * @throws IllegalArgumentException when they have no {@code grantId} string
     */
    public GrantRecord record(Map<String, Object> raw) {
        if (!(raw.get("grantId") instanceof String id) || id.isEmpty()) {
            throw new IllegalArgumentException("a grant record needs a grantId string");
        }
        return new GrantRecord(id, version(raw), parser.parse(raw), targetsOf(raw));
    }

    private void add(Map<String, GrantRecord> out, Map<String, AttributeValue> item) {
        Map<String, Object> raw = GrantImages.fromItem(item);
        if (raw.get("grantId") instanceof String id && !id.isEmpty()) {
            out.put(id, record(raw));
        }
    }

    /** A digest of the record's content: a new version for every change, the same for the same content. */
    static String version(Map<String, Object> raw) {
        try {
            byte[] canonical = CANONICAL.writeValueAsString(new TreeMap<>(raw)).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical), 0, 16);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The target IDs a record names, as written (for the target index, even with an invalid record). */
    static List<String> targetsOf(Map<String, Object> raw) {
        return raw.get("targets") instanceof Collection<?> c
                ? c.stream().filter(String.class::isInstance).map(String.class::cast).toList()
                : List.of();
    }
}
