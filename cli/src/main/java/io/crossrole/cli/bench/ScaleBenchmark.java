package io.crossrole.cli.bench;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.cli.internal.CallCounter;
import io.crossrole.cli.local.LocalEnvironment;
import io.crossrole.cli.local.StreamEvents;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.grant.GrantImages;
import io.crossrole.model.AccountId;
import io.crossrole.reconcile.ReconcileQueue;
import io.crossrole.store.AssignmentKey;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.AssignmentStore;
import io.crossrole.testing.FaultyEndpoint;
import io.crossrole.testing.FaultyEndpoint.Latency;
import io.crossrole.testing.SqsEventSource;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * An organization-wide grant over N accounts, at AWS's latency: a proxy in front of moto holds every call for a
 * latency drawn per service and action ({@link #AWS_LATENCY}; sources in docs/BENCHMARKS.md). Measures the grant
 * stream's own invocation for the org-wide record, the reconcile rollout's wall time with C concurrent workers (each
 * with its own clients and credentials cache, as Lambda instances have), and the time a one-account grant written
 * during the rollout takes to be PROVISIONED. Then projects 10,000 and 100,000 accounts from the measured figures.
 */
public final class ScaleBenchmark {
    private static final List<String> IAM_WRITES = List.of("CreateRole", "PutRolePolicy", "AttachRolePolicy", "UpdateAssumeRolePolicy",
            "DeleteRole", "DeleteRolePolicy", "DetachRolePolicy", "PutGroupPolicy", "DeleteGroupPolicy", "UpdateRole");

    /** Median and p99 per call, in ms (docs/BENCHMARKS.md names each figure's source or marks it an assumption). */
    public static final List<Latency> AWS_LATENCY = List.of(
            new Latency("iam", Set.copyOf(IAM_WRITES), 250, 1000),
            new Latency("iam", Set.of("TagRole", "UntagRole"), 200, 800),
            new Latency("iam", Set.of("GetAccountAuthorizationDetails"), 400, 1500),
            new Latency("iam", Set.of(), 60, 250),
            new Latency("sts", Set.of(), 40, 150),
            new Latency("dynamodb", Set.of(), 8, 30),
            new Latency("sqs", Set.of(), 20, 80),
            new Latency("organizations", Set.of(), 80, 300));
    /** Lambda's documented ceiling on an SQS event source's MaximumConcurrency. */
    private static final int LAMBDA_MAX_CONCURRENCY = 1000;
    /** The most accounts ListAccounts returns per page (MaxResults 1-20 in the Organizations API model). */
    private static final int ORGANIZATIONS_PAGE = 20;
    /** GrantStreamFunction's timeout in template.yaml. */
    private static final Duration STREAM_TIMEOUT = Duration.ofSeconds(300);

    private final Path repo;
    private final PrintStream out;

    public ScaleBenchmark(Path repo, PrintStream out) {
        this.repo = repo;
        this.out = out;
    }

    /** One rollout: C workers over N accounts. */
    public record Rollout(int concurrency, Duration stream, Duration wall, int accounts, Map<String, Long> calls, long emulatorMillis) {
        double accountsPerSecond() {
            return accounts / (wall.toMillis() / 1000.0);
        }
    }

    public void run(int accounts, List<Integer> concurrencies, long seed) throws IOException {
        out.printf("scale: an organization-wide grant over %d accounts, reconcile workers C = %s, at AWS latency (proxy in front"
                + " of moto)%n", accounts, concurrencies);
        out.println("method: a fresh organization of N accounts on moto; one grant targeting the root per run (a new role name each"
                + " run); its INSERT from the table's real stream through GrantStreamFunction's producer in process (timed: the"
                + " stream invocation), then the bulk reconcile queue drained by C pollers, each with a worker of its own as a"
                + " Lambda instance has (timed: the rollout). Every AWS call of Crossrole's clients passes a proxy that holds it"
                + " for a latency drawn from a log-normal per service and action (median, p99 ms):");
        AWS_LATENCY.forEach(l -> out.printf("  %-13s %-60s %6.0f %6.0f%n", l.service(), l.actions().isEmpty() ? "(every other call)"
                : String.join(",", l.actions()), l.medianMs(), l.p99Ms()));
        try (LocalEnvironment local = LocalEnvironment.start(repo, Map.of("ASSUME_ROLE_RETRY_SECONDS", "0",
                "RECONCILE_RETRY_SECONDS", "0"), false);
             FaultyEndpoint proxy = FaultyEndpoint.start(local.endpoint(), seed);
             AwsClientFactory plain = AwsClientFactory.create(local.config(), List.of());
             DynamoDbClient dynamo = plain.dynamoDb();
             OrganizationsClient org = plain.organizations();
             SqsClient sqs = plain.client(SqsClient.builder())) {
            AWS_LATENCY.forEach(proxy::latency);
            long started = System.nanoTime();
            List<String> members = DriftBenchmark.members(org, accounts);
            String root = org.listRoots().roots().get(0).id();
            out.printf("  created %d accounts in %.1f s (setup, not measured)%n", accounts, (System.nanoTime() - started) / 1e9);
            Map<String, String> env = new HashMap<>(local.env());
            env.put("AWS_ENDPOINT_URL", proxy.url().toString());
            CrossroleConfig config = CrossroleConfig.from(env);
            String streamArn = dynamo.describeTable(r -> r.tableName(config.grantsTable())).table().latestStreamArn();
            StreamFeed feed = new StreamFeed(new StreamEvents(plain.dynamoDbStreams(), streamArn, config.region()));
            AssignmentStore statuses = new AssignmentStore(dynamo, config.assignmentsTable());
            CallCounter counter = new CallCounter();
            List<Rollout> rollouts = new ArrayList<>();
            Duration oneAccount = null;
            try (AwsClientFactory clients = AwsClientFactory.create(config, List.of(counter))) {
                Pipeline pipeline = new Pipeline(config, clients, sqs);
                int largest = concurrencies.stream().mapToInt(Integer::intValue).max().orElse(1);
                for (int c : concurrencies) {
                    String role = "Scale" + c;
                    put(dynamo, config, """
                            {"grantId": "%s", "roleName": "%s", "targets": ["%s"], "trustedPrincipals": ["%s"],
                             "inlinePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}"""
                            .formatted(role.toLowerCase(), role, root, members.get(0)));
                    List<DynamodbEvent> events = feed.next(25);
                    counter.reset();
                    proxy.resetCounts();
                    long t0 = System.nanoTime();
                    events.forEach(pipeline::stream);
                    Duration stream = Duration.ofNanos(System.nanoTime() - t0);
                    Map<String, Long> streamCalls = counter.snapshot();
                    out.printf("  C=%-3d stream invocation %.2f s: calls %s; injected latency %s ms; the emulator's own time %s ms%n",
                            c, stream.toMillis() / 1000.0, new TreeMap<>(streamCalls), proxy.injectedLatencyMillis(),
                            proxy.emulatorMillis());
                    counter.reset();
                    proxy.resetCounts();
                    CompletableFuture<Duration> interleaved = c == largest
                            ? CompletableFuture.supplyAsync(() -> oneAccountDuringRollout(dynamo, config, feed, pipeline, statuses, members, sqs))
                            : null;
                    long t1 = System.nanoTime();
                    SqsEventSource.Drained drained = pipeline.reconcile(pipeline.bulk(), c);
                    Duration wall = Duration.ofNanos(System.nanoTime() - t1);
                    if (interleaved != null) {
                        oneAccount = interleaved.join();
                    }
                    long provisioned = statuses.forGrant(role.toLowerCase()).assignments().stream()
                            .filter(a -> a.status() == AssignmentStatus.PROVISIONED).count();
                    // a returned message is redelivered, as Lambda's event source does; the drain ends with the queue empty
                    if (provisioned != accounts) {
                        throw new IllegalStateException("rollout C=" + c + ": " + provisioned + " of " + accounts + " PROVISIONED, "
                                + drained.returned() + " message(s) returned");
                    }
                    Map<String, Long> calls = new HashMap<>(counter.snapshot());
                    streamCalls.forEach((k, v) -> calls.merge("stream " + k, v, Long::sum));
                    Rollout r = new Rollout(c, stream, wall, accounts, calls,
                            proxy.emulatorMillis().values().stream().mapToLong(Long::longValue).sum());
                    rollouts.add(r);
                    out.printf("  C=%-3d rollout %.1f s, %.1f accounts/s (%d messages in %d batches, %d returned and delivered"
                            + " again); injected latency %s ms; the emulator's own time %s ms%n", c,
                            wall.toMillis() / 1000.0, r.accountsPerSecond(), drained.delivered(), drained.invocations(), drained.returned(),
                            proxy.injectedLatencyMillis(), proxy.emulatorMillis());
                }
            }
            report(rollouts, oneAccount, accounts);
        }
    }

    /**
     * Waits until a tenth of the rollout is done, writes a grant for one account near the end of the rollout's order,
     * delivers its stream record and drains the express lane with two pollers (the lanes are served at once, as their
     * two event sources are); returns the time from the write to its PROVISIONED status.
     */
    private Duration oneAccountDuringRollout(DynamoDbClient dynamo, CrossroleConfig config, StreamFeed feed, Pipeline pipeline,
                                             AssignmentStore statuses, List<String> members, SqsClient sqs) {
        String bulkUrl = url(sqs, config.reconcileBulkQueue().orElseThrow());
        while (visible(sqs, bulkUrl) > members.size() * 0.9) {
            sleep(Duration.ofMillis(50));
        }
        String target = members.get(members.size() - 1);
        long t0 = System.nanoTime();
        put(dynamo, config, """
                {"grantId": "break-glass", "roleName": "BreakGlass", "targets": ["%s"], "trustedPrincipals": ["%s"]}"""
                .formatted(target, members.get(0)));
        feed.next(25).forEach(pipeline::stream);
        pipeline.reconcile(pipeline.express(), 2);
        AssignmentKey key = new AssignmentKey.Owner(AccountId.of(target));
        while (statuses.get("break-glass", key).filter(a -> a.status() == AssignmentStatus.PROVISIONED).isEmpty()) {
            sleep(Duration.ofMillis(20));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        int left = visible(sqs, bulkUrl);
        out.printf("  one-account grant written during the rollout (C=max, %d rollout messages still queued when it was"
                + " PROVISIONED): PROVISIONED %.2f s after its write%n", left, took.toMillis() / 1000.0);
        return took;
    }

    private void report(List<Rollout> rollouts, Duration oneAccount, int accounts) {
        Rollout sequential = rollouts.stream().filter(r -> r.concurrency() == 1).findFirst().orElse(rollouts.get(0));
        double perAccount = sequential.wall().toMillis() / (double) accounts * sequential.concurrency();
        out.println();
        out.printf("%6s %12s %12s %12s %10s%n", "C", "rollout s", "accounts/s", "vs C=1", "stream s");
        for (Rollout r : rollouts) {
            out.printf("%6d %12.1f %12.1f %11.1fx %10.2f%n", r.concurrency(), r.wall().toMillis() / 1000.0, r.accountsPerSecond(),
                    sequential.wall().toMillis() / (double) r.wall().toMillis(), r.stream().toMillis() / 1000.0);
        }
        // moto answers one request at a time, so at C > 1 calls wait for each other inside it: its summed time per run
        // (the emulator's own time above) grows with C while the injected latency stays the same
        out.printf("the emulator: at C=%d moto's round trips took %.1f s (%.0f ms per account) in all, over the rollout's %.0f s;"
                + " at C > 1 its summed time grows as calls queue in its one Python thread: that, not"
                + " Crossrole, is what limits the speed-up on this machine%n", sequential.concurrency(), sequential.emulatorMillis() / 1000.0,
                sequential.emulatorMillis() / (double) accounts, sequential.wall().toMillis() / 1000.0);
        Rollout any = rollouts.get(rollouts.size() - 1);
        out.println("calls per account in the rollout (C=" + any.concurrency() + "): " + perAccountCalls(any.calls(), accounts));
        if (oneAccount != null) {
            out.printf("one-account grant during the rollout: PROVISIONED %.2f s after its write%n", oneAccount.toMillis() / 1000.0);
        }
        out.println();
        // the stream's fan-out at AWS: Organizations' pages (ListAccounts returns at most 20 accounts; moto returns 100)
        // one after the other, then SendMessageBatch calls of 10, PARALLEL_BATCHES at a time
        double orgMs = latencyOf("organizations"), sqsMs = latencyOf("sqs");
        out.printf("model: rollout(N, C) = N x w / C with w = %.0f ms per account (measured at C=%d, the emulator's own time"
                + " included); C <= %d (Lambda's MaximumConcurrency ceiling); stream(N) = N/%d ListAccounts pages x %.0f ms +"
                + " N/10 SendMessageBatch / %d at once x %.0f ms (medians above); GrantStreamFunction's timeout %d s%n", perAccount,
                sequential.concurrency(), LAMBDA_MAX_CONCURRENCY, ORGANIZATIONS_PAGE, orgMs, ReconcileQueue.PARALLEL_BATCHES, sqsMs,
                STREAM_TIMEOUT.toSeconds());
        out.printf("  check at N=%d: the model's stream %.1f s; measured %.1f s (moto's pages hold 100 accounts, and its own"
                + " time is in the measured figure)%n", accounts, streamModel(accounts, orgMs, sqsMs) / 1000,
                rollouts.stream().mapToLong(r -> r.stream().toMillis()).min().orElse(0) / 1000.0);
        out.printf("%10s %6s %14s %12s  %s%n", "accounts", "C", "rollout", "stream", "binds first");
        for (int n : List.of(10_000, 100_000)) {
            for (int c : List.of(100, LAMBDA_MAX_CONCURRENCY)) {
                double rollout = n * perAccount / c / 1000.0;
                double stream = streamModel(n, orgMs, sqsMs) / 1000;
                String binding = stream > STREAM_TIMEOUT.toSeconds()
                        ? "the grant stream's expansion: " + Math.round(stream) + " s > its " + STREAM_TIMEOUT.toSeconds() + " s timeout"
                        : c >= LAMBDA_MAX_CONCURRENCY ? "Lambda's MaximumConcurrency ceiling (1,000); then STS AssumeRole and"
                                + " Organizations DescribeAccount rates (unpublished) from the one calling account"
                                : "worker concurrency (ReconcileMaxConcurrency = " + c + ")";
                out.printf("%10d %6d %12.1f min %10.0f s  %s%n", n, c, rollout / 60, stream, binding);
            }
        }
        out.printf("bulk lane threshold: more than %d accounts per send; SQS FIFO high throughput: 70,000 messages/s per queue in"
                + " us-east-1 (not binding: one message per account)%n", ReconcileQueue.BULK_ACCOUNTS);
    }

    /** The stream invocation's fan-out over N accounts at AWS latency, in ms (see the model line). */
    private static double streamModel(int accounts, double orgMs, double sqsMs) {
        return Math.ceil(accounts / (double) ORGANIZATIONS_PAGE) * orgMs
                + Math.ceil(accounts / 10.0 / ReconcileQueue.PARALLEL_BATCHES) * sqsMs;
    }

    private static double latencyOf(String service) {
        return AWS_LATENCY.stream().filter(l -> l.service().equals(service) && l.actions().isEmpty()).findFirst()
                .orElseThrow().medianMs();
    }

    private static String perAccountCalls(Map<String, Long> calls, int accounts) {
        StringBuilder b = new StringBuilder();
        calls.entrySet().stream().filter(e -> !e.getKey().startsWith("stream ")).sorted(Map.Entry.comparingByKey())
                .forEach(e -> b.append(String.format("%s %.2f, ", e.getKey(), e.getValue() / (double) accounts)));
        return b.length() > 2 ? b.substring(0, b.length() - 2) : "";
    }

    private static void put(DynamoDbClient dynamo, CrossroleConfig config, String json) {
        dynamo.putItem(r -> r.tableName(config.grantsTable()).item(GrantImages.toItem(GrantImages.fromJson(json))));
    }

    private static String url(SqsClient sqs, String queue) {
        return queue.startsWith("http") ? queue : sqs.getQueueUrl(r -> r.queueName(queue)).queueUrl();
    }

    private static int visible(SqsClient sqs, String url) {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        return a.values().stream().mapToInt(Integer::parseInt).sum();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
