package io.crossrole.testing;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/** Creates the Grants and Assignments tables with the keys and stream that template.yaml declares. */
public final class TestTables {
    private TestTables() {
    }

    public static void create(DynamoDbClient dynamo, String grants, String assignments) {
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
                        k -> k.attributeName("accountId").keyType(KeyType.RANGE)));
    }
}
