package io.crossrole.store;

import io.crossrole.failure.AwsFailures;
import io.crossrole.failure.ProvisioningException;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * "Which grants target this account, OU or root?" without scanning the Grants table: one item per
 * (target, grantId) in the GrantTargets table, kept by the grant stream. Finding the grants that cover an
 * account costs one query per target it can be reached by: itself, each ancestor OU and the root
 * (at most seven, since OUs nest five deep), whatever the number of grants.
 *
 * <pre>{@code
 * Set<String> grantIds = index.grantsFor(List.of("333333333333", "ou-ab12-11111111", "r-ab12"));
 * }</pre>
 */
public final class TargetIndex {
    private final DynamoDbClient dynamo;
    private final String table;

    public TargetIndex(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** Makes the index hold exactly {@code current} for the grant, given what it held ({@code previous}). */
    public void update(String grantId, Collection<String> previous, Collection<String> current) {
        Set<String> removed = new HashSet<>(previous);
        removed.removeAll(current);
        try {
            for (String target : current) {
                dynamo.putItem(r -> r.tableName(table).item(key(target, grantId)));
            }
            for (String target : removed) {
                dynamo.deleteItem(r -> r.tableName(table).key(key(target, grantId)));
            }
        } catch (RuntimeException e) {
            throw new ProvisioningException("cannot update the target index " + table + ": " + AwsFailures.message(e),
                    AwsFailures.isRetryable(e), e);
        }
    }

    public Set<String> grantsFor(Collection<String> targets) {
        Set<String> grants = new LinkedHashSet<>();
        for (String target : targets) {
            dynamo.queryPaginator(r -> r.tableName(table).keyConditionExpression("#t = :t")
                            .expressionAttributeNames(Map.of("#t", "target"))
                            .expressionAttributeValues(Map.of(":t", AttributeValue.fromS(target))))
                    .items().forEach(item -> grants.add(item.get("grantId").s()));
        }
        return grants;
    }

    private static Map<String, AttributeValue> key(String target, String grantId) {
        return Map.of("target", AttributeValue.fromS(target), "grantId", AttributeValue.fromS(grantId));
    }
}
