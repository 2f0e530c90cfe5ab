package io.crossrole.store;

import io.crossrole.role.RoleUse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Reads assignment statuses; {@link AssignmentRecorder} writes them. The table also holds, per grant, the version of
 * the record the grant stream last fanned out (key {@code #stream}), read with the grant's statuses.
 *
 * <pre>{@code
 * AssignmentStore.ForGrant statuses = store.forGrant("prod-updateapp");
 * }</pre>
 */
public final class AssignmentStore {
    /** The global secondary index on (accountId, grantId). */
    public static final String BY_ACCOUNT = "ByAccount";
    static final String STREAM_MARK = "#stream";

    private final DynamoDbClient dynamo;
    private final String table;

    public AssignmentStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /**
     * A grant's statuses, and the version of its record the grant stream last enqueued everywhere.
     *
     * @param fannedOut empty when no version was fanned out yet
     */
    public record ForGrant(List<Assignment> assignments, Optional<String> fannedOut) {
        public ForGrant {
            assignments = List.copyOf(assignments);
        }

        public Optional<Assignment> get(AssignmentKey key) {
            return assignments.stream().filter(a -> a.key().equals(key)).findFirst();
        }
    }

    /** Every status of a grant (strongly consistent), in one query. */
    public ForGrant forGrant(String grantId) {
        List<Assignment> out = new ArrayList<>();
        Optional<String> mark = Optional.empty();
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(r -> r.tableName(table).consistentRead(true)
                .keyConditionExpression("grantId = :g")
                .expressionAttributeValues(Map.of(":g", AttributeValue.fromS(grantId)))).items()) {
            if (STREAM_MARK.equals(str(item, "accountId").orElse(""))) {
                mark = str(item, "version");
            } else {
                out.add(fromItem(item));
            }
        }
        return new ForGrant(out, mark);
    }

    /** One status (strongly consistent), when there is one. */
    public Optional<Assignment> get(String grantId, AssignmentKey key) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of("grantId", AttributeValue.fromS(grantId), "accountId", AttributeValue.fromS(key.stored())))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    /** Every status in one account, from the table's ByAccount index (eventually consistent). */
    public List<Assignment> forAccount(String accountId) {
        List<Assignment> out = new ArrayList<>();
        dynamo.queryPaginator(r -> r.tableName(table).indexName(BY_ACCOUNT)
                        .keyConditionExpression("accountId = :a")
                        .expressionAttributeValues(Map.of(":a", AttributeValue.fromS(accountId))))
                .items().forEach(item -> out.add(fromItem(item)));
        return out;
    }

    /** Every status in the table, for listings and the drift check. */
    public List<Assignment> all() {
        List<Assignment> out = new ArrayList<>();
        dynamo.scanPaginator(r -> r.tableName(table)).items().forEach(item -> {
            if (!STREAM_MARK.equals(str(item, "accountId").orElse(""))) {
                out.add(fromItem(item));
            }
        });
        return out;
    }

    static Assignment fromItem(Map<String, AttributeValue> item) {
        return new Assignment(
                str(item, "grantId").orElse(""),
                AssignmentKey.parse(str(item, "accountId").orElse("")),
                str(item, "status").map(AssignmentStatus::valueOf).orElse(AssignmentStatus.PENDING),
                str(item, "roleName"),
                str(item, "roleArn"),
                str(item, "desiredHash"),
                str(item, "message").orElse(""),
                Optional.ofNullable(item.get("attempts")).map(a -> Long.parseLong(a.n())).orElse(0L),
                str(item, "updatedAt").map(Instant::parse).orElse(Instant.EPOCH),
                Optional.ofNullable(item.get("resources")).filter(AttributeValue::hasL)
                        .map(r -> r.l().stream().map(AttributeValue::s).toList()).orElse(List.of()),
                str(item, "lastUsedAt").map(at -> new RoleUse(Instant.parse(at), str(item, "lastUsedRegion"))));
    }

    private static Optional<String> str(Map<String, AttributeValue> item, String name) {
        return Optional.ofNullable(item.get(name)).map(AttributeValue::s);
    }
}
