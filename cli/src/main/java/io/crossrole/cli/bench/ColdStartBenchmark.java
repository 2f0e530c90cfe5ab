package io.crossrole.cli.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.cli.internal.LocalLambda;
import io.crossrole.cli.local.LocalEnvironment;
import io.crossrole.cli.local.LocalFunctions;
import io.crossrole.cli.local.StreamEvents;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.grant.GrantImages;
import io.crossrole.model.AccountId;
import io.crossrole.reconcile.ReconcileKey;
import io.crossrole.reconcile.ReconcileRequest;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentKey;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.AssignmentStore;
import io.crossrole.testing.SqsEventSource;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Cold starts: each function's artifact in a fresh JVM under the Lambda runtime interface client, as Lambda
 * runs it: INIT (JVM start, class loading, handler construction: clients, configuration) and the first event
 * against the emulator; beside the same for a no-op handler, the floor any Java function pays.
 */
public final class ColdStartBenchmark {
    private static final OutputStream DISCARD = OutputStream.nullOutputStream();
    private static final Pattern RETRY_ASKED = Pattern.compile("\"batchItemFailures\"\\s*:\\s*\\[\\s*\\{");
    private static final String GRANT = """
            {"grantId": "%s", "roleName": "%s", "targets": ["%s"], "trustedPrincipals": ["arn:aws:iam::%s:root"],
             "inlinePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}""";

    private final Path repo;
    private final PrintStream out;

    public ColdStartBenchmark(Path repo, PrintStream out) {
        this.repo = repo;
        this.out = out;
    }

    /**
     * @param warmEvent an event of the same work (for the grant stream: another new grant) in the same JVM right
     *                  after: what the first event costs once the code is warm; zero for the floor
     */
    public record Measure(String name, Duration init, Duration firstEvent, Duration warmEvent) {
        Duration total() {
            return init.plus(firstEvent);
        }
    }

    /**
     * @param toolOptions the functions' {@code JAVA_TOOL_OPTIONS}, which Lambda honours too: a profiler or class
     *                    loading log for one run (the figures then include its cost); {@code null} for none
     */
    public List<Measure> run(int repeats, boolean primed, String toolOptions) throws IOException {
        out.printf("cold start benchmark: %d fresh JVM(s) per function, median shown%s%n", repeats,
                primed ? "; CROSSROLE_PRIME_AT_INIT=true (the SnapStart priming work done during INIT)" : "");
        out.println("method: INIT = from starting the function's JVM (RIC 2.6.0, Lambda's JVM flags, MemorySize from template.yaml)"
                + " to its first request for an event; first event = from the runtime taking that event to its response"
                + " (Lambda's REPORT Duration) against a local moto server; warm = the same work again in that JVM;"
                + " one unmeasured trial per function first");
        List<Measure> measures = new ArrayList<>();
        Map<String, String> extra = new HashMap<>();
        if (primed) {
            extra.put("CROSSROLE_PRIME_AT_INIT", "true");
        }
        if (toolOptions != null) {
            extra.put("JAVA_TOOL_OPTIONS", toolOptions);
            out.println("JAVA_TOOL_OPTIONS=" + toolOptions + " (figures include its cost)");
        }
        try (LocalEnvironment local = LocalEnvironment.start(repo, Map.of());
             AwsClientFactory clients = AwsClientFactory.create(local.config(), List.of());
             DynamoDbClient dynamo = clients.dynamoDb();
             SqsClient sqs = clients.client(SqsClient.builder())) {
            Map<String, Events> events = events(local, clients, dynamo, sqs);
            measures.add(median("no-op handler (floor)", repeats, () -> noOp(local, extra)));
            LocalFunctions functions = new LocalFunctions(repo, local.template(), local.env(), DISCARD);
            AtomicInteger serial = new AtomicInteger();
            for (Map.Entry<String, Events> e : events.entrySet()) {
                measures.add(median(e.getKey(), repeats, () -> {
                    try (LocalLambda fn = functions.start(e.getKey(), extra)) {
                        LocalLambda.Invocation first = invoke(fn, e.getKey(), e.getValue(), serial.incrementAndGet());
                        LocalLambda.Invocation warm = invoke(fn, e.getKey(), e.getValue(), serial.incrementAndGet());
                        return new Measure(e.getKey(), fn.initDuration().orElseThrow(), first.run(), warm.run());
                    }
                }));
            }
        }
        Measure floor = measures.get(0);
        out.printf("%-28s %8s %10s %9s %9s %11s %11s%n", "function", "INIT ms", "1st ev ms", "warm ms", "total ms",
                "INIT/floor", "total/floor");
        for (Measure m : measures) {
            out.printf("%-28s %8d %10d %9s %9d %11.2f %11.2f%n", m.name(), m.init().toMillis(), m.firstEvent().toMillis(),
                    m.warmEvent().isZero() ? "-" : Long.toString(m.warmEvent().toMillis()), m.total().toMillis(),
                    m.init().toMillis() / (double) floor.init().toMillis(), m.total().toMillis() / (double) floor.total().toMillis());
        }
        return measures;
    }

    private interface Trial {
        Measure run() throws IOException;
    }

    private static Measure median(String name, int repeats, Trial trial) throws IOException {
        trial.run(); // discarded: it pays the emulator's own lazy start (moto builds an account's IAM on first use)
        List<Measure> all = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            all.add(trial.run());
        }
        return new Measure(name, median(all, Measure::init), median(all, Measure::firstEvent), median(all, Measure::warmEvent));
    }

    private static Duration median(List<Measure> all, Function<Measure, Duration> figure) {
        List<Duration> sorted = all.stream().map(figure).sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    /**
     * What a function is measured on: each call readies the tables and queues for one event of the same real work and
     * returns that event; {@link #answered} checks the work was done and acknowledges the event, as the event source would.
     */
    private interface Events {
        String next(int serial);

        default void answered(LocalLambda.Invocation result) {
        }
    }

    private static LocalLambda.Invocation invoke(LocalLambda fn, String function, Events events, int serial) {
        LocalLambda.Invocation result = fn.invoke(events.next(serial));
        if (result.failed() || RETRY_ASKED.matcher(result.payload()).find()) {
            throw new IllegalStateException(function + " failed an event or asked for a retry: " + result.payload());
        }
        events.answered(result);
        return result;
    }

    /**
     * Real-shaped events, each doing the same real work every time. The grant stream gets the table's real stream
     * record of a new grant (its own ID and role name), so it reads the grant, plans it and queues a reconcile; the
     * reconcile worker gets a real FIFO message for another new grant, so it assumes the member role, finds the role
     * absent, creates it with its inline policy and records PROVISIONED (checked).
     */
    private Map<String, Events> events(LocalEnvironment local, AwsClientFactory clients, DynamoDbClient dynamo, SqsClient sqs)
            throws IOException {
        CrossroleConfig config = local.config();
        List<String> members;
        try (OrganizationsClient org = clients.organizations()) {
            members = DriftBenchmark.members(org, 2);
        }
        String owner = members.get(0);
        String grantee = members.get(1);
        IntFunction<String> putGrant = n -> {
            String grantId = "cold-start-" + n;
            dynamo.putItem(r -> r.tableName(config.grantsTable()).item(GrantImages.toItem(GrantImages.fromJson(
                    GRANT.formatted(grantId, "ColdStart" + n, owner, grantee)))));
            return grantId;
        };
        String streamArn = dynamo.describeTable(r -> r.tableName(config.grantsTable())).table().latestStreamArn();
        StreamEvents stream = new StreamEvents(clients.dynamoDbStreams(), streamArn, config.region());
        String queueUrl = sqs.getQueueUrl(r -> r.queueName(config.reconcileQueue().orElseThrow())).queueUrl();
        SqsEventSource reconcileQueue = new SqsEventSource(sqs, queueUrl, 1);
        AssignmentStore assignments = new AssignmentStore(dynamo, config.assignmentsTable());
        String createAccount = read("account-events/create-account-result.json").replace("333333333333", owner);
        String scheduled = read("drift-check/scheduled.json");
        String batch = read("drift-check/sqs-batch.json");

        Map<String, Events> events = new LinkedHashMap<>();
        events.put("GrantStreamFunction", n -> {
            String grantId = putGrant.apply(n);
            List<ObjectNode> records = stream.pollRecords();
            if (records.size() != 1) {
                throw new IllegalStateException("the Grants table's stream holds " + records.size() + " records for " + grantId);
            }
            return StreamEvents.event(records);
        });
        events.put("AccountEventsFunction", n -> createAccount);
        events.put("DriftCheckFunction", n -> scheduled);
        events.put("DriftCheckWorkerFunction", n -> batch);
        events.put("ReconcileWorkerFunction", new Events() {
            private List<Message> delivered = List.of();
            private String grantId;

            @Override
            public String next(int n) {
                stream.pollRecords(); // the grant stream is not running: its records are not this event
                while (!(delivered = reconcileQueue.receive()).isEmpty()) {
                    reconcileQueue.complete(delivered, Set.of()); // what the grant stream trials queued
                }
                grantId = putGrant.apply(n);
                ReconcileRequest request = new ReconcileRequest(new ReconcileKey.OwnerAccount(grantId, AccountId.of(owner)),
                        ReconcileRequest.Cause.STREAM, "cold-start-" + n, Optional.empty());
                sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(request.toJson()).messageGroupId(request.groupId())
                        .messageDeduplicationId(request.deduplicationId()));
                delivered = reconcileQueue.receive();
                return reconcileQueue.eventJson(delivered);
            }

            @Override
            public void answered(LocalLambda.Invocation result) {
                reconcileQueue.complete(delivered, Set.of());
                AssignmentStatus status = assignments.get(grantId, new AssignmentKey.Owner(AccountId.of(owner)))
                        .map(Assignment::status).orElse(null);
                if (status != AssignmentStatus.PROVISIONED) {
                    throw new IllegalStateException("ReconcileWorkerFunction left " + grantId + " " + status);
                }
            }
        });
        return events;
    }

    private String read(String event) throws IOException {
        return Files.readString(repo.resolve("events").resolve(event));
    }

    /** The same runtime and flags with a handler that does nothing: compiled here, so nothing else is on its path. */
    private Measure noOp(LocalEnvironment local, Map<String, String> extra) throws IOException {
        Path root = Files.createTempDirectory("crossrole-noop");
        Path source = root.resolve("NoOp.java");
        Files.writeString(source, """
                public class NoOp implements com.amazonaws.services.lambda.runtime.RequestHandler<java.util.Map<String, Object>, String> {
                    public String handleRequest(java.util.Map<String, Object> event, com.amazonaws.services.lambda.runtime.Context context) {
                        return "ok";
                    }
                }
                """);
        List<Path> runtime = runtimeJars();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("the no-op floor needs a JDK (javac)");
        }
        String cp = String.join(File.pathSeparator, runtime.stream().map(Path::toString).toList());
        int rc = javac.run(null, DISCARD, System.err, "-cp", cp, "-d", root.toString(), source.toString());
        if (rc != 0) {
            throw new IllegalStateException("cannot compile the no-op handler");
        }
        Files.delete(source);
        Map<String, String> env = new HashMap<>(local.env());
        env.putAll(extra);
        try (LocalLambda fn = LocalLambda.start(LocalLambda.Spec.builder().taskRoot(root).handler("NoOp::handleRequest")
                .functionName("NoOp").environment(env).runtimeClasspath(runtime).memoryMb(1024)
                .timeout(Duration.ofSeconds(30)).logs(DISCARD).build())) {
            LocalLambda.Invocation first = fn.invoke("{}");
            return new Measure("no-op handler (floor)", fn.initDuration().orElseThrow(), first.run(), Duration.ZERO);
        }
    }

    private List<Path> runtimeJars() throws IOException {
        try (Stream<Path> jars = Files.list(repo.resolve("cli/target/lambda-runtime"))) {
            return jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
    }
}
