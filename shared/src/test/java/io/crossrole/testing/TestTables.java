package io.crossrole.testing;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/** Creates the Grants, Assignments and GrantTargets tables with the keys and stream that template.yaml declares. */
public final class TestTables {
    private TestTables() {
    }

    public static void create(DynamoDbClient dynamo, String grants, String assignments, String grantTargets) {
        dynamo.createTable(r -> r.tableName(grants)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(a -> a.attributeName("grantId").attributeType(ScalarAttributeType.S))
                .keySchema(k -> k.attributeName("grantId").keyType(KeyType.HASH))
                .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)));
        dynamo.createTable(r -> r.tableName(assignments)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                        a -> a.attributeName("grantId").attributeType(ScalarAttributeType.S),
                        a -> a.attributeName("accountId").attributeType(ScalarAttributeType.S))
                .keySchema(
                        k -> k.attributeName("grantId").keyType(KeyType.HASH),
                        k -> k.attributeName("accountId").keyType(KeyType.RANGE))
                .globalSecondaryIndexes(i -> i.indexName("ByAccount")
                        .keySchema(k -> k.attributeName("accountId").keyType(KeyType.HASH),
                                k -> k.attributeName("grantId").keyType(KeyType.RANGE))
                        .projection(p -> p.projectionType(ProjectionType.ALL))));
        dynamo.createTable(r -> r.tableName(grantTargets)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                        a -> a.attributeName("target").attributeType(ScalarAttributeType.S),
                        a -> a.attributeName("grantId").attributeType(ScalarAttributeType.S))
                .keySchema(
                        k -> k.attributeName("target").keyType(KeyType.HASH),
                        k -> k.attributeName("grantId").keyType(KeyType.RANGE)));
    }
}
