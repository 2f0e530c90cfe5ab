package io.crossrole.cli.bench;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.cli.internal.CallCounter;
import io.crossrole.cli.local.LocalEnvironment;
import io.crossrole.cli.local.StreamEvents;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.drift.DriftRun;
import io.crossrole.grant.GrantImages;
import io.crossrole.provision.GrantStreamProcessor;
import io.crossrole.sts.Backoff;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * API economy: the AWS calls each operation makes, counted by an SDK ExecutionInterceptor on the clients the
 * functions use, beside the fewest the operation could make.
 */
public final class EconomyBenchmark {
    private static final String GRANT = """
            {"grantId": "economy", "roleName": "EconomyRole", "targets": ["111111111111"], "trustedPrincipals": ["222222222222"],
             "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"], "description": "first",
             "inlinePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}""";

    private final Path repo;
    private final PrintStream out;

    public EconomyBenchmark(Path repo, PrintStream out) {
        this.repo = repo;
        this.out = out;
    }

    public void run() throws IOException {
        out.println("API economy: one grant (inline policy + one managed policy) in one account; calls per operation");
        out.println("method: the grant stream processor and the drift run as the functions build them, in process, their clients"
                + " instrumented with an SDK ExecutionInterceptor; the stream records are the table's real stream on a local moto server");
        out.printf("%-34s %6s %9s %10s %8s   %s%n", "operation", "STS", "IAM read", "IAM write", "DynamoDB", "minimum (why)");
        try (LocalEnvironment local = LocalEnvironment.start(repo, Map.of("ASSUME_ROLE_RETRY_SECONDS", "0"))) {
            CrossroleConfig config = local.config();
            CallCounter counter = new CallCounter();
            try (AwsClientFactory clients = AwsClientFactory.create(config, List.of(counter));
                 AwsClientFactory plain = AwsClientFactory.create(config, List.of());
                 DynamoDbClient dynamo = plain.dynamoDb()) {
                GrantStreamProcessor processor = GrantStreamProcessor.create(config, clients, "crossrole-bench",
                        Backoff.standard(Duration.ZERO), Clock.systemUTC());
                String streamArn = dynamo.describeTable(r -> r.tableName(config.grantsTable())).table().latestStreamArn();
                StreamFeed feed = new StreamFeed(new StreamEvents(plain.dynamoDbStreams(), streamArn, config.region()));

                dynamo.putItem(r -> r.tableName(config.grantsTable()).item(GrantImages.toItem(GrantImages.fromJson(GRANT))));
                var insert = feed.next(25);
                row("create (INSERT)", counter, () -> insert.forEach(processor::process),
                        "STS 1, IAM 1 read (GetRole: absent) + 3 writes (CreateRole with tags/boundary/session, PutRolePolicy,"
                                + " AttachRolePolicy), DynamoDB 3 (read assignments, write status, index the target)");
                row("no-op redelivery (same record)", counter, () -> insert.forEach(processor::process),
                        "IAM 0 writes; DynamoDB 1 (the assignments show this exact record was applied)");
                dynamo.updateItem(r -> r.tableName(config.grantsTable()).key(Map.of("grantId", AttributeValue.fromS("economy")))
                        .updateExpression("SET description = :d").expressionAttributeValues(Map.of(":d", AttributeValue.fromS("second"))));
                var update = feed.next(25);
                row("one-field update (description)", counter, () -> update.forEach(processor::process),
                        "IAM 4 reads (the role's state) + 1 write (UpdateRole); DynamoDB 3");
                dynamo.deleteItem(r -> r.tableName(config.grantsTable()).key(Map.of("grantId", AttributeValue.fromS("economy"))));
                var remove = feed.next(25);
                row("revoke (REMOVE)", counter, () -> remove.forEach(processor::process),
                        "IAM 5 reads (incl. instance profiles) + 3 writes (DetachRolePolicy, DeleteRolePolicy, DeleteRole); DynamoDB 3");
                dynamo.putItem(r -> r.tableName(config.grantsTable()).item(GrantImages.toItem(GrantImages.fromJson(GRANT))));
                feed.next(25).forEach(processor::process);
                DriftRun drift = DriftRun.create(config, clients, "crossrole-bench", Backoff.standard(Duration.ZERO), Clock.systemUTC());
                row("drift check, per account", counter, drift::scheduled,
                        "STS 1, IAM 2 reads (GetAccountAuthorizationDetails + ListRoles, one page each per 1,000 roles), 0 writes");
            }
        }
    }

    private void row(String operation, CallCounter counter, Runnable action, String minimum) {
        counter.reset();
        action.run();
        long iamTotal = counter.total("Iam");
        long iamWrites = counter.writes("Iam");
        out.printf("%-34s %6d %9d %10d %8d   %s%n", operation, counter.total("Sts"), iamTotal - iamWrites, iamWrites,
                counter.total("DynamoDb"), minimum);
    }
}
