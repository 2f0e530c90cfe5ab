package io.crossrole.store;

import io.crossrole.failure.AwsFailures;
import io.crossrole.failure.ProvisioningException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Reads and writes assignment statuses. A status says what was found and done the last time the grant was
 * brought to an account; it is never a reason to skip work on the grant as the table holds it now.
 *
 * <pre>{@code
 * store.record(new AssignmentStore.Update("prod-updateapp", "111111111111", AssignmentStatus.PROVISIONED,
 *         "UpdateApp", roleArn, hash, "role matches the grant"));
 * }</pre>
 */
public final class AssignmentStore {
    /** The global secondary index on (accountId, grantId). */
    public static final String BY_ACCOUNT = "ByAccount";

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public AssignmentStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    /** What to record: the status and, when known, the role it concerns. */
    public record Update(String grantId, String accountId, AssignmentStatus status, String roleName, String roleArn,
                         String desiredHash, String message) {
    }

    public void record(Update u) {
        Map<String, AttributeValue> values = new HashMap<>();
        StringBuilder set = new StringBuilder("SET #status = :status, #message = :message, updatedAt = :now");
        values.put(":status", s(u.status().name()));
        values.put(":message", s(u.message()));
        values.put(":now", s(Instant.now(clock).toString()));
        values.put(":one", n("1"));
        optionalSet(set, values, "roleName", u.roleName());
        optionalSet(set, values, "roleArn", u.roleArn());
        optionalSet(set, values, "desiredHash", u.desiredHash());
        UpdateItemRequest request = UpdateItemRequest.builder()
                .tableName(table)
                .key(Map.of("grantId", s(u.grantId()), "accountId", s(u.accountId())))
                .updateExpression(set + " ADD attempts :one")
                .expressionAttributeNames(Map.of("#status", "status", "#message", "message"))
                .expressionAttributeValues(values)
                .build();
        try {
            dynamo.updateItem(request);
        } catch (RuntimeException e) {
            throw new ProvisioningException("cannot record status in " + table + ": " + AwsFailures.message(e),
                    AwsFailures.isRetryable(e), e);
        }
    }

    /** Every assignment of a grant (strongly consistent). */
    public List<Assignment> forGrant(String grantId) {
        List<Assignment> out = new ArrayList<>();
        dynamo.queryPaginator(r -> r.tableName(table).consistentRead(true)
                        .keyConditionExpression("grantId = :g")
                        .expressionAttributeValues(Map.of(":g", s(grantId))))
                .items().forEach(item -> out.add(fromItem(item)));
        return out;
    }

    /** Every assignment in one account, from the table's ByAccount index (eventually consistent). */
    public List<Assignment> forAccount(String accountId) {
        List<Assignment> out = new ArrayList<>();
        dynamo.queryPaginator(r -> r.tableName(table).indexName(BY_ACCOUNT)
                        .keyConditionExpression("accountId = :a")
                        .expressionAttributeValues(Map.of(":a", s(accountId))))
                .items().forEach(item -> out.add(fromItem(item)));
        return out;
    }

    /** Every assignment in the table, for status listings. */
    public List<Assignment> all() {
        List<Assignment> out = new ArrayList<>();
        dynamo.scanPaginator(r -> r.tableName(table)).items().forEach(item -> out.add(fromItem(item)));
        return out;
    }

    private static void optionalSet(StringBuilder set, Map<String, AttributeValue> values, String name, String value) {
        if (value != null) {
            set.append(", ").append(name).append(" = :").append(name);
            values.put(":" + name, s(value));
        }
    }

    static Assignment fromItem(Map<String, AttributeValue> item) {
        return new Assignment(
                str(item, "grantId").orElse(""),
                str(item, "accountId").orElse(""),
                str(item, "status").map(AssignmentStatus::valueOf).orElse(AssignmentStatus.PENDING),
                str(item, "roleName"),
                str(item, "roleArn"),
                str(item, "desiredHash"),
                str(item, "message").orElse(""),
                Optional.ofNullable(item.get("attempts")).map(a -> Long.parseLong(a.n())).orElse(0L),
                str(item, "updatedAt").map(Instant::parse).orElse(Instant.EPOCH));
    }

    private static Optional<String> str(Map<String, AttributeValue> item, String name) {
        return Optional.ofNullable(item.get(name)).map(AttributeValue::s);
    }

    private static AttributeValue s(String v) {
        return AttributeValue.builder().s(v).build();
    }

    private static AttributeValue n(String v) {
        return AttributeValue.builder().n(v).build();
    }
}
