package io.crossrole.cli.bench;

import io.crossrole.aws.AwsClientFactory;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;

/**
 * An organization-wide grant (target: the root) over N accounts: the grant stream's wall time with its
 * accounts provisioned one at a time, and at the configured concurrency; then the drift check over the same.
 */
public final class ScaleBenchmark {
    private final Path repo;
    private final PrintStream out;

    public ScaleBenchmark(Path repo, PrintStream out) {
        this.repo = repo;
        this.out = out;
    }

    public void run(int accounts, int concurrency) throws IOException {
        out.printf("scale: an organization-wide grant over %d accounts, concurrency 1 vs %d, on a local moto server%n", accounts, concurrency);
        out.println("method: a fresh organization on moto (no AWS managed policies loaded); one grant targeting the root per run,"
                + " its INSERT record from the table's stream processed in process as GrantStreamFunction does; wall time per run");
        try (LocalEnvironment local = LocalEnvironment.start(repo, Map.of("ASSUME_ROLE_RETRY_SECONDS", "0"), false);
             AwsClientFactory plain = AwsClientFactory.create(local.config(), List.of());
             DynamoDbClient dynamo = plain.dynamoDb();
             OrganizationsClient org = plain.organizations()) {
            org.createOrganization(r -> r.featureSet("ALL"));
            String root = org.listRoots().roots().get(0).id();
            long started = System.nanoTime();
            for (int i = 0; i < accounts; i++) {
                int n = i;
                org.createAccount(r -> r.accountName("scale-" + n).email("scale-" + n + "@example.com"));
            }
            out.printf("  created %d accounts in %.1f s%n", accounts, (System.nanoTime() - started) / 1e9);
            String streamArn = dynamo.describeTable(r -> r.tableName(local.config().grantsTable())).table().latestStreamArn();
            StreamFeed feed = new StreamFeed(new StreamEvents(plain.dynamoDbStreams(), streamArn, local.config().region()));
            Duration sequential = provision(local, dynamo, feed, root, "OrgWideSequential", 1);
            Duration concurrent = provision(local, dynamo, feed, root, "OrgWideConcurrent", concurrency);
            out.printf("  grant stream: %d accounts sequential %.1f s, concurrency %d %.1f s: speed-up %.2fx%n", accounts,
                    sequential.toMillis() / 1000.0, concurrency, concurrent.toMillis() / 1000.0,
                    sequential.toMillis() / (double) concurrent.toMillis());
            Duration driftSequential = drift(local, 1);
            Duration driftConcurrent = drift(local, concurrency);
            out.printf("  drift check: %d accounts (2 roles each) sequential %.1f s, concurrency %d %.1f s: speed-up %.2fx%n", accounts,
                    driftSequential.toMillis() / 1000.0, concurrency, driftConcurrent.toMillis() / 1000.0,
                    driftSequential.toMillis() / (double) driftConcurrent.toMillis());
        }
    }

    private Duration provision(LocalEnvironment local, DynamoDbClient dynamo, StreamFeed feed, String root, String role, int concurrency) {
        Map<String, String> env = new HashMap<>(local.env());
        env.put("PROVISION_CONCURRENCY", String.valueOf(concurrency));
        CrossroleConfig config = CrossroleConfig.from(env);
        String grant = """
                {"grantId": "%s", "roleName": "%s", "targets": ["%s"], "trustedPrincipals": ["222222222222"],
                 "inlinePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}"""
                .formatted(role.toLowerCase(), role, root);
        dynamo.putItem(r -> r.tableName(config.grantsTable()).item(GrantImages.toItem(GrantImages.fromJson(grant))));
        var events = feed.next(25);
        try (AwsClientFactory clients = AwsClientFactory.create(config, List.of())) {
            GrantStreamProcessor processor = GrantStreamProcessor.create(config, clients, "crossrole-bench",
                    Backoff.standard(Duration.ZERO), Clock.systemUTC());
            long start = System.nanoTime();
            events.forEach(e -> {
                var response = processor.process(e);
                if (!response.getBatchItemFailures().isEmpty()) {
                    throw new IllegalStateException("the grant stream asked for a retry: " + response.getBatchItemFailures());
                }
            });
            return Duration.ofNanos(System.nanoTime() - start);
        }
    }

    private Duration drift(LocalEnvironment local, int concurrency) {
        Map<String, String> env = new HashMap<>(local.env());
        env.put("DRIFT_CONCURRENCY", String.valueOf(concurrency));
        CrossroleConfig config = CrossroleConfig.from(env);
        try (AwsClientFactory clients = AwsClientFactory.create(config, List.of())) {
            DriftRun run = DriftRun.create(config, clients, "crossrole-bench", Backoff.standard(Duration.ZERO), Clock.systemUTC());
            long start = System.nanoTime();
            Map<String, Object> summary = run.scheduled();
            if (((Number) summary.get("inSync")).intValue() == 0) {
                throw new IllegalStateException("the drift check found nothing in sync: " + summary);
            }
            return Duration.ofNanos(System.nanoTime() - start);
        }
    }
}
