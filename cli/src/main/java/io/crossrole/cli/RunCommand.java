package io.crossrole.cli;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.cli.internal.LocalLambda;
import io.crossrole.cli.local.LocalFunctions;
import io.crossrole.cli.local.LocalQueues;
import io.crossrole.cli.local.OrganizationWatcher;
import io.crossrole.cli.local.QueueDelivery;
import io.crossrole.cli.local.StreamDelivery;
import io.crossrole.cli.local.StreamEvents;
import io.crossrole.cli.template.SamTemplate;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.failure.AwsFailures;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@code crossrole run}: Crossrole's event sources, locally. Polls the Grants table's stream and delivers it to
 * GrantStreamFunction with the event source mapping's settings from template.yaml; watches the organization
 * and sends the join, move and departure events to AccountEventsFunction; runs DriftCheckFunction on an
 * interval and delivers its queue to DriftCheckWorkerFunction; delivers the reconcile queue, where all of them put
 * their work, to ReconcileWorkerFunction. Each function runs in its own JVM under the Lambda runtime interface
 * client, started on first use and kept warm.
 */
final class RunCommand {
    static final String HELP = """
            Usage: crossrole run [--for SECONDS] [--poll SECONDS] [--drift-every SECONDS]

            A local event loop against AWS_ENDPOINT_URL (an emulator with the tables and queues template.yaml declares,
            e.g. the one ./crossrole demo uses or `python3 -m moto.server`): the Grants stream → GrantStreamFunction
            (batching, partial batch failures, bounded retries, bisect, as the event source mapping is configured);
            organization changes → AccountEventsFunction; DriftCheckFunction every --drift-every seconds (default 300,
            0 = never) with its queue drained into DriftCheckWorkerFunction; and the reconcile queue they all fill →
            ReconcileWorkerFunction (FIFO groups, partial batch failures). Prints a line per delivery.
            --for stops after that many seconds (default: run until interrupted); --poll sets the polling period (1).
            Exit codes: 0 stopped normally, 2 usage or setup error.""";

    private RunCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) throws IOException {
        if (List.of(args).contains("--help")) {
            out.println(HELP);
            return Crossrole.OK;
        }
        long forSeconds = 0;
        long pollSeconds = 1;
        long driftEvery = 300;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--for" -> forSeconds = Long.parseLong(value);
                case "--poll" -> pollSeconds = Math.max(1, Long.parseLong(value));
                case "--drift-every" -> driftEvery = Long.parseLong(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; see crossrole run --help");
            }
            i++;
        }
        Path repo = Crossrole.repo();
        SamTemplate template = SamTemplate.read(repo.resolve("template.yaml"));
        Map<String, String> functionEnv = new HashMap<>(Crossrole.withTables(env));
        CrossroleConfig config = CrossroleConfig.from(functionEnv);
        Map<String, Object> mapping = streamMapping(template);
        StreamDelivery stream = new StreamDelivery(number(mapping, "BatchSize", 100), number(mapping, "MaximumRetryAttempts", 10000),
                Boolean.TRUE.equals(mapping.get("BisectBatchOnFunctionError")));
        LocalFunctions functions = new LocalFunctions(repo, template, functionEnv, err);
        Map<String, LocalLambda> warm = new HashMap<>();
        Thread stopper = new Thread(() -> warm.values().forEach(LocalLambda::close));
        Runtime.getRuntime().addShutdownHook(stopper);
        Instant deadline = forSeconds > 0 ? Instant.now().plusSeconds(forSeconds) : Instant.MAX;
        Instant nextDrift = driftEvery > 0 ? Instant.now().plusSeconds(driftEvery) : Instant.MAX;
        try (AwsClientFactory clients = AwsClientFactory.create(config, List.of());
             DynamoDbClient dynamo = clients.dynamoDb();
             OrganizationsClient org = clients.organizations();
             SqsClient sqs = clients.client(SqsClient.builder())) {
            String streamArn = dynamo.describeTable(r -> r.tableName(config.grantsTable())).table().latestStreamArn();
            if (streamArn == null) {
                throw new IllegalStateException("table " + config.grantsTable() + " has no stream; create the tables as template.yaml declares them");
            }
            StreamEvents records = new StreamEvents(clients.dynamoDbStreams(), streamArn, config.region());
            OrganizationWatcher watcher = new OrganizationWatcher(org, repo);
            boolean watching = look(watcher, out) != null;
            out.printf("crossrole run: %s → GrantStreamFunction%s%s; ReconcileQueue → ReconcileWorkerFunction; %s%n", config.grantsTable(),
                    watching ? "; organization → AccountEventsFunction" : "",
                    driftEvery > 0 ? "; DriftCheckFunction every " + driftEvery + " s" : "",
                    forSeconds > 0 ? "stopping after " + forSeconds + " s" : "Ctrl-C to stop");
            while (Instant.now().isBefore(deadline)) {
                stream.add(records.pollRecords());
                if (!stream.isIdle()) {
                    stream.deliver(function(warm, functions, "GrantStreamFunction"), out);
                }
                if (watching) {
                    List<String> events = look(watcher, out);
                    for (String event : events == null ? List.<String>of() : events) {
                        LocalLambda.Invocation r = function(warm, functions, "AccountEventsFunction").invoke(event);
                        out.printf("  organization: %s → %s%n", eventName(event), r.payload());
                    }
                }
                if (Instant.now().isAfter(nextDrift)) {
                    drift(warm, functions, repo, sqs, template, out);
                    nextDrift = Instant.now().plusSeconds(driftEvery);
                }
                deliverQueue(warm, functions, sqs, template, "ReconcileWorkerFunction", out);
                sleep(Duration.ofSeconds(pollSeconds));
            }
        } finally {
            warm.values().forEach(LocalLambda::close);
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running already
            }
        }
        out.println("crossrole run: stopped");
        return Crossrole.OK;
    }

    private static void drift(Map<String, LocalLambda> warm, LocalFunctions functions, Path repo, SqsClient sqs,
                              SamTemplate template, PrintStream out) throws IOException {
        LocalLambda.Invocation r = function(warm, functions, "DriftCheckFunction")
                .invoke(Files.readString(repo.resolve("events/drift-check/scheduled.json")));
        out.println("  drift: DriftCheckFunction → " + r.payload());
        deliverQueue(warm, functions, sqs, template, "DriftCheckWorkerFunction", out);
    }

    /** Delivers the function's SQS event source queues to it, when a message is waiting (Lambda's pollers, locally). */
    private static void deliverQueue(Map<String, LocalLambda> warm, LocalFunctions functions, SqsClient sqs, SamTemplate template,
                                     String logicalId, PrintStream out) {
        for (LocalQueues.Source source : new LocalQueues(template).sourcesOf(logicalId)) {
            String url = sqs.getQueueUrl(q -> q.queueName(source.queueName())).queueUrl();
            String visible = sqs.getQueueAttributes(q -> q.queueUrl(url).attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                    .attributes().get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
            if (!"0".equals(visible)) {
                out.println("  " + source.queueName() + " → " + logicalId + ":");
                new QueueDelivery(sqs, url, source.batchSize()).drain(function(warm, functions, logicalId), out);
            }
        }
    }

    /** The watcher's events, or null when the organization cannot be read (then it is not watched). */
    private static List<String> look(OrganizationWatcher watcher, PrintStream out) {
        try {
            return watcher.changes();
        } catch (RuntimeException e) {
            out.println("crossrole run: not watching the organization (" + AwsFailures.message(e) + ")");
            return null;
        }
    }

    private static LocalLambda function(Map<String, LocalLambda> warm, LocalFunctions functions, String logicalId) {
        return warm.computeIfAbsent(logicalId, id -> {
            try {
                return functions.start(id);
            } catch (IOException e) {
                throw new IllegalStateException("cannot start " + id + ": " + e.getMessage(), e);
            }
        });
    }

    private static Map<String, Object> streamMapping(SamTemplate template) {
        Map<String, Object> events = SamTemplate.map(template.functionProperty("GrantStreamFunction", "Events").orElse(null));
        return events.values().stream().map(SamTemplate::map).filter(e -> "DynamoDB".equals(e.get("Type")))
                .map(e -> SamTemplate.map(e.get("Properties"))).findFirst()
                .orElseThrow(() -> new IllegalStateException("GrantStreamFunction has no DynamoDB event source in template.yaml"));
    }

    private static int number(Map<String, Object> props, String key, int fallback) {
        Object v = props.get(key);
        return v == null ? fallback : Integer.parseInt(String.valueOf(v));
    }

    private static String eventName(String event) {
        int at = event.indexOf("\"eventName\"");
        return at < 0 ? "event" : event.substring(at + 12, Math.min(event.length(), event.indexOf(',', at))).replaceAll("[\":\\s]", "");
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
