package io.crossrole.cli.bench;

import io.crossrole.cli.internal.LocalLambda;
import io.crossrole.cli.local.LocalEnvironment;
import io.crossrole.cli.local.LocalFunctions;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import software.amazon.awssdk.services.organizations.OrganizationsClient;

/**
 * Cold starts: each function's artifact in a fresh JVM under the Lambda runtime interface client, as Lambda
 * runs it: INIT (JVM start, class loading, handler construction: clients, configuration) and the first event
 * against the emulator; beside the same for a no-op handler, the floor any Java function pays.
 */
public final class ColdStartBenchmark {
    private static final OutputStream DISCARD = OutputStream.nullOutputStream();

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
     *                    loading log for one run (the figures then include its cost)
     */
    public List<Measure> run(int repeats, boolean primed, Optional<String> toolOptions) throws IOException {
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
        toolOptions.ifPresent(o -> {
            extra.put("JAVA_TOOL_OPTIONS", o);
            out.println("JAVA_TOOL_OPTIONS=" + o + " (figures include its cost)");
        });
        try (LocalEnvironment local = LocalEnvironment.start(repo, Map.of())) {
            Map<String, IntFunction<String>> events = events(local);
            measures.add(median("no-op handler (floor)", repeats, () -> noOp(local, extra)));
            LocalFunctions functions = new LocalFunctions(repo, local.template(), local.env(), DISCARD);
            AtomicInteger serial = new AtomicInteger();
            for (Map.Entry<String, IntFunction<String>> e : events.entrySet()) {
                measures.add(median(e.getKey(), repeats, () -> {
                    try (LocalLambda fn = functions.start(e.getKey(), extra)) {
                        LocalLambda.Invocation first = fn.invoke(e.getValue().apply(serial.incrementAndGet()));
                        LocalLambda.Invocation warm = fn.invoke(e.getValue().apply(serial.incrementAndGet()));
                        for (LocalLambda.Invocation i : List.of(first, warm)) {
                            if (i.failed()) {
                                throw new IllegalStateException(e.getKey() + " failed an event: " + i.payload());
                            }
                        }
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

    private static Duration median(List<Measure> all, java.util.function.Function<Measure, Duration> figure) {
        List<Duration> sorted = all.stream().map(figure).sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    /**
     * Real-shaped events, one per call, each doing the same real work: the grant stream gets a new grant (its own
     * ID, role name and sequence number) every time, so that every event creates a role rather than replaying one.
     */
    private Map<String, IntFunction<String>> events(LocalEnvironment local) throws IOException {
        String account;
        try (var clients = io.crossrole.aws.AwsClientFactory.create(local.config(), List.of());
             OrganizationsClient org = clients.organizations()) {
            org.createOrganization(r -> r.featureSet("ALL"));
            String id = org.createAccount(r -> r.accountName("cold").email("cold@example.com")).createAccountStatus().id();
            account = org.describeCreateAccountStatus(r -> r.createAccountRequestId(id)).createAccountStatus().accountId();
        }
        String insert = read("grant-stream/insert.json");
        String createAccount = read("account-events/create-account-result.json").replace("333333333333", account);
        String scheduled = read("drift-check/scheduled.json");
        String batch = read("drift-check/sqs-batch.json");
        Map<String, IntFunction<String>> events = new LinkedHashMap<>();
        events.put("GrantStreamFunction", n -> insert.replace("\"prod-updateapp\"", "\"cold-start-" + n + "\"")
                .replace("\"UpdateApp\"", "\"ColdStart" + n + "\"")
                .replace("\"4421584500000000017450000100\"", "\"44215845" + String.format("%020d", n) + "\""));
        events.put("AccountEventsFunction", n -> createAccount);
        events.put("DriftCheckFunction", n -> scheduled);
        events.put("DriftCheckWorkerFunction", n -> batch);
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
        String cp = String.join(java.io.File.pathSeparator, runtime.stream().map(Path::toString).toList());
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
