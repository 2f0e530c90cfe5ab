package io.crossrole.cli.bench;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.cli.internal.CallCounter;
import io.crossrole.cli.local.LocalEnvironment;
import io.crossrole.cli.local.StreamEvents;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.drift.DriftRun;
import io.crossrole.grant.GrantImages;
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
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * API economy: the AWS calls each operation makes, counted by an SDK ExecutionInterceptor on the clients the
 * functions use, beside the fewest the operation could make.
 */
public final class EconomyBenchmark {
    private static final String GRANT = """
            {"grantId": "economy", "roleName": "EconomyRole", "targets": ["%s"], "trustedPrincipals": ["%s"],
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
        out.println("method: the grant stream's producer and the reconcile worker (and the drift run) as the functions build them, in"
                + " process, their clients instrumented with an SDK ExecutionInterceptor; the stream records are the table's real"
                + " stream and the reconcile queue a real FIFO queue on a local moto server (its receive/delete, Lambda's event"
                + " source's, are not counted)");
        out.printf("%-34s %5s %9s %10s %8s %5s   %s%n", "operation", "STS", "IAM read", "IAM write", "DynamoDB", "SQS", "minimum (why)");
        try (LocalEnvironment local = LocalEnvironment.start(repo, Map.of("ASSUME_ROLE_RETRY_SECONDS", "0"))) {
            CrossroleConfig config = local.config();
            CallCounter counter = new CallCounter();
            try (AwsClientFactory clients = AwsClientFactory.create(config, List.of(counter));
                 AwsClientFactory plain = AwsClientFactory.create(config, List.of());
                 DynamoDbClient dynamo = plain.dynamoDb();
                 OrganizationsClient org = plain.organizations()) {
                List<String> members = DriftBenchmark.members(org, 2);
                String grant = GRANT.formatted(members.get(0), members.get(1));
                Pipeline pipeline = new Pipeline(config, clients, plain.client(SqsClient.builder()));
                String streamArn = dynamo.describeTable(r -> r.tableName(config.grantsTable())).table().latestStreamArn();
                StreamFeed feed = new StreamFeed(new StreamEvents(plain.dynamoDbStreams(), streamArn, config.region()));

                dynamo.putItem(r -> r.tableName(config.grantsTable()).item(GrantImages.toItem(GrantImages.fromJson(grant))));
                var insert = feed.next(25);
                row("create (INSERT)", counter, () -> deliver(pipeline, insert),
                        "STS 1; IAM 1 read (GetRole: absent) + 3 writes (CreateRole with tags/boundary/session, PutRolePolicy,"
                                + " AttachRolePolicy); DynamoDB 8: stream 4 (read the grant, its statuses, index the target, mark"
                                + " the version queued), worker 4 (read the grant and the status; record the role about to be"
                                + " created, so that a reconcile stopped half-way names it; the outcome); SQS 1 (SendMessageBatch)");
                row("no-op redelivery (same record)", counter, () -> deliver(pipeline, insert),
                        "IAM 0; DynamoDB 2 (read the grant; its statuses show this version was queued already); SQS 0");
                dynamo.updateItem(r -> r.tableName(config.grantsTable()).key(Map.of("grantId", AttributeValue.fromS("economy")))
                        .updateExpression("SET description = :d").expressionAttributeValues(Map.of(":d", AttributeValue.fromS("second"))));
                var update = feed.next(25);
                row("one-field update (description)", counter, () -> deliver(pipeline, update),
                        "IAM 4 reads (the role's state) + 1 write (UpdateRole); STS 0 (credentials cached by the warm worker)");
                dynamo.deleteItem(r -> r.tableName(config.grantsTable()).key(Map.of("grantId", AttributeValue.fromS("economy"))));
                var remove = feed.next(25);
                row("revoke (REMOVE)", counter, () -> deliver(pipeline, remove),
                        "IAM 5 reads (incl. instance profiles) + 3 writes (DetachRolePolicy, DeleteRolePolicy, DeleteRole)");
                dynamo.putItem(r -> r.tableName(config.grantsTable()).item(GrantImages.toItem(GrantImages.fromJson(grant))));
                deliver(pipeline, feed.next(25));
                DriftRun drift = DriftRun.create(config, clients, "crossrole-bench", Backoff.standard(Duration.ZERO), Clock.systemUTC());
                row("drift check (2 member accounts)", counter, drift::scheduled,
                        "per account STS 1 + IAM 2 reads (GetAccountAuthorizationDetails + ListRoles, one page each per 1,000"
                                + " roles), 0 writes; every ACTIVE member is checked, the grantee's account too (a role tagged by"
                                + " Crossrole that no grant records is found there)");
            }
        }
    }

    /** The stream batches through GrantStreamFunction's producer, then the reconcile queue through the worker. */
    private static void deliver(Pipeline pipeline, List<DynamodbEvent> events) {
        events.forEach(pipeline::stream);
        pipeline.reconcile(1);
    }

    private void row(String operation, CallCounter counter, Runnable action, String minimum) {
        counter.reset();
        action.run();
        long iamTotal = counter.total("Iam");
        long iamWrites = counter.writes("Iam");
        out.printf("%-34s %5d %9d %10d %8d %5d   %s%n", operation, counter.total("Sts"), iamTotal - iamWrites, iamWrites,
                counter.total("DynamoDb"), counter.total("Sqs"), minimum);
    }
}
