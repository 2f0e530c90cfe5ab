package io.crossrole.cli;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.cli.bench.ArtifactSizes;
import io.crossrole.cli.bench.ColdStartBenchmark;
import io.crossrole.cli.bench.ConvergenceBenchmark;
import io.crossrole.cli.bench.DriftBenchmark;
import io.crossrole.cli.bench.EconomyBenchmark;
import io.crossrole.cli.bench.ScaleBenchmark;
import io.crossrole.cli.demo.Demo;
import io.crossrole.cli.internal.LocalLambda;
import io.crossrole.cli.local.LocalFunctions;
import io.crossrole.cli.local.LocalQueues;
import io.crossrole.cli.local.QueueDelivery;
import io.crossrole.cli.template.SamTemplate;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.testing.SqsEventSource;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code crossrole}: run Crossrole's functions locally.
 *
 * <pre>
 * crossrole demo                                   the whole flow on an emulator it starts itself
 * crossrole invoke LOGICAL_ID --event FILE         run one function of template.yaml on one event
 * </pre>
 * Exit codes: 0 success; 1 the function failed (threw, timed out, or the demo found a wrong result);
 * 2 usage or setup error.
 */
public final class Crossrole {
    static final int OK = 0;
    static final int FUNCTION_FAILED = 1;
    static final int USAGE = 2;
    /** The reconcile queues' local names: template.yaml's ReconcileQueue and ReconcileBulkQueue are FIFO (LocalQueues#name). */
    static final String RECONCILE_QUEUE = "ReconcileQueue.fifo";
    static final String RECONCILE_BULK_QUEUE = "ReconcileBulkQueue.fifo";

    private static final String HELP = """
            crossrole: provision cross-account IAM roles from grant records (local tools)

            Usage:
              crossrole demo [--verbose]                  Start an AWS emulator, create an organization, write grants, run the
                                                          functions and show the roles they made; then revoke; then an account joins.
              crossrole grant validate <file>             Check a grant file; every problem, each naming its field.
              crossrole grant plan <file> [--json]        Dry run: the exact IAM changes per target account (read-only).
              crossrole grant put <file>                  Validate, then write the grant record to the Grants table.
              crossrole status [grantId]                  Assignments as a table: account, role ARN, status, message, updated.
              crossrole drift [--remediate]               Run the drift check here and print the differences.
              crossrole report [--out DIR] [--unused-days N]
                                                          Access report from the tables: who may assume what, where, until
                                                          when, last used; HTML (picture, matrix, filters), CSV and JSON.
              crossrole run [--for S] [--drift-every S]   Local event loop: Grants stream, organization changes and the
                                                          drift schedule delivered to the functions against AWS_ENDPOINT_URL.
              crossrole invoke <LogicalId> --event <file> Run the function template.yaml defines under LogicalId on one event,
                                                          as Lambda's Java runtime would. Prints its JSON response on stdout.
              crossrole drain <LogicalId>                 Deliver the messages waiting in the function's SQS event source queue
                                                          to it, as Lambda's SQS event source would.
              crossrole bench <drift|coldstart|convergence|economy|scale|sizes|all>
                                                          Benchmarks, each on a moto server of its own; they print
                                                          their figures and method (docs/BENCHMARKS.md).
              crossrole test                              Run the test suite (unit and emulator tests).
              crossrole build                             Build the function artifacts and the CLI.
              crossrole help | --help                     This text. Every verb takes --help.

            Exit codes: 0 success; 1 the function failed, the grant is invalid, or drift/failures were found (the verb's
            --help says which); 2 usage or setup error.
            Environment: AWS_ENDPOINT_URL (emulator), AWS_REGION (us-east-1), table names GRANTS_TABLE, ASSIGNMENTS_TABLE,
            GRANT_TARGETS_TABLE (default: the logical IDs, as local runs name them), and any function variable
            (HUB_ROLE_ARN, MEMBER_ROLE_NAME, DRIFT_MODE, ...), which overrides template.yaml.
            """;

    private Crossrole() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        if (args.length == 0 || List.of("help", "--help", "-h").contains(args[0])) {
            out.print(HELP);
            return args.length == 0 ? USAGE : OK;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            return switch (args[0]) {
                case "invoke" -> invoke(rest, out, err, env);
                case "drain" -> drain(rest, out, err, env);
                case "bench" -> bench(rest, out);
                case "grant" -> GrantCommand.run(rest, out, err, env);
                case "status" -> StatusCommand.run(rest, out, env);
                case "drift" -> DriftCommand.run(rest, out, env);
                case "report" -> ReportCommand.run(rest, out, env);
                case "run" -> RunCommand.run(rest, out, err, env);
                case "demo" -> new Demo(repo(), out, err).run(rest);
                default -> {
                    err.println("crossrole: unknown command '" + args[0] + "'. Try: crossrole --help");
                    yield USAGE;
                }
            };
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("crossrole: " + e.getMessage());
            return USAGE;
        } catch (IOException e) {
            err.println("crossrole: " + e.getMessage());
            return USAGE;
        }
    }

    private static int invoke(String[] args, PrintStream out, PrintStream err, Map<String, String> env) throws IOException {
        if (args.length == 0 || args[0].equals("--help")) {
            out.println("""
                    Usage: crossrole invoke <LogicalId> --event <file>

                    Runs the function that template.yaml defines under LogicalId (its Handler, its Environment with !Ref
                    resolved, its MemorySize and Timeout) in a fresh JVM through the AWS Lambda Runtime Interface Client,
                    against the endpoint in AWS_ENDPOINT_URL. Table !Refs resolve to the logical ID (the local table
                    name) unless a variable of the same name is set (e.g. GRANTS_TABLE=MyGrants); the process environment
                    overrides every variable. Prints the JSON response on stdout, the function's logs on stderr.
                    Exit 0 when the function returned, 1 when it threw or timed out, 2 on a usage error.""");
            return args.length == 0 ? USAGE : OK;
        }
        String logicalId = args[0];
        Path event = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--event") && i + 1 < args.length) {
                event = Path.of(args[++i]);
            } else {
                throw new IllegalArgumentException("unexpected argument '" + args[i] + "'; usage: crossrole invoke <LogicalId> --event <file>");
            }
        }
        if (event == null) {
            throw new IllegalArgumentException("--event <file> is required");
        }
        if (!Files.isRegularFile(event)) {
            throw new IllegalArgumentException("no event file " + event);
        }
        Path repo = repo();
        SamTemplate template = SamTemplate.read(repo.resolve("template.yaml"));
        try (LocalLambda function = new LocalFunctions(repo, template, env, err).start(logicalId)) {
            LocalLambda.Invocation result = function.invoke(Files.readString(event));
            out.println(result.payload());
            err.printf("crossrole: %s %s in %d ms%n", logicalId, result.failed() ? "FAILED" : "returned",
                    result.duration().toMillis());
            return result.failed() ? FUNCTION_FAILED : OK;
        }
    }

    private static int drain(String[] args, PrintStream out, PrintStream err, Map<String, String> env) throws IOException {
        if (args.length != 1 || args[0].equals("--help")) {
            out.println("""
                    Usage: crossrole drain <LogicalId>

                    Finds the SQS queues that feed the function (its Events of Type SQS in template.yaml; locally a queue
                    is named by its logical ID, with .fifo for a FIFO queue), receives their messages in batches of the
                    event source's BatchSize, with their system attributes (message group, receive count), and invokes
                    the function with each batch, as `crossrole invoke` does. Messages the function reports in
                    batchItemFailures, or of a failed invocation, stay in the queue for their retry; the others are
                    deleted. Stops when no message is visible. Exit 0 when every message was handled, 1 when some were
                    returned for a retry.""");
            return args.length == 1 ? OK : USAGE;
        }
        Path repo = repo();
        SamTemplate template = SamTemplate.read(repo.resolve("template.yaml"));
        List<LocalQueues.Source> sources = new LocalQueues(template).sourcesOf(args[0]);
        if (sources.isEmpty()) {
            throw new IllegalArgumentException(args[0] + " has no SQS event source in template.yaml");
        }
        CrossroleConfig config = CrossroleConfig.from(withTables(env));
        int returned = 0;
        try (AwsClientFactory clients = AwsClientFactory.create(config, List.of());
             SqsClient sqs = clients.client(SqsClient.builder());
             LocalLambda function = new LocalFunctions(repo, template, env, err).start(args[0])) {
            for (LocalQueues.Source source : sources) {
                String url = sqs.getQueueUrl(r -> r.queueName(source.queueName())).queueUrl();
                out.println("crossrole: draining " + source.queueName() + " into " + args[0]);
                SqsEventSource.Drained drained = new QueueDelivery(sqs, url, source.batchSize()).drain(function, out);
                out.printf("crossrole: %d message(s) delivered, %d returned for a retry%n", drained.delivered(), drained.returned());
                returned += drained.returned();
            }
        }
        return returned == 0 ? OK : FUNCTION_FAILED;
    }

    private static int bench(String[] args, PrintStream out) throws IOException {
        String what = args.length == 0 ? "--help" : args[0];
        if (what.equals("--help") || !List.of("drift", "coldstart", "convergence", "economy", "scale", "sizes", "all").contains(what)) {
            out.println("""
                    Usage: crossrole bench <drift|coldstart|convergence|economy|scale|sizes|all> [options]

                      drift [--accounts N] [--roles M1,M2] [--concurrency C1,C2]
                                    the drift check over N accounts × M roles: duration and AWS calls per account
                      coldstart [--repeats R] [--primed] [--java-tool-options OPTS]
                                    each function in a fresh JVM under the Lambda runtime client: INIT and first event,
                                    beside a no-op handler (the floor); --primed runs the SnapStart priming during INIT;
                                    --java-tool-options sets the functions' JAVA_TOOL_OPTIONS, as Lambda would (profiling)
                      convergence [--histories N] [--length L] [--seed S] [--faults RATE]
                                    N random histories (default 200) of L steps (default 30) with RATE of AWS calls
                                    failing (default 0.3 = 30 %), each checked after quiescence by an independent
                                    checker; prints divergences with the shortest failing prefix (exit 1 if any);
                                    --replay SEED runs the one history a divergence names again, with the functions' logs
                      economy       AWS calls per operation (create, replay, update, revoke, drift) beside the minimum
                      scale [--accounts N] [--concurrency C1,C2,...] [--seed S]
                                    an organization-wide grant over N accounts (default 1000) at AWS latency (a proxy
                                    in front of moto): the stream invocation, the rollout with C reconcile workers
                                    (default 1,16,64), a one-account grant written during it, a 10k/100k projection
                      sizes         the function artifacts' sizes
                      all           every benchmark but convergence, with its defaults
                    Each starts its own moto server; figures and method are printed. See docs/BENCHMARKS.md.""");
            return what.equals("--help") ? OK : USAGE;
        }
        // figures, not the provisioning log of hundreds of accounts (warnings and errors still show; not in the
        // convergence run, whose failures are injected by the hundred and whose verdict is the checker's)
        System.setProperty("org.slf4j.simpleLogger.log.io.crossrole", what.equals("convergence")
                ? (List.of(args).contains("--replay") ? "info" : "off") : "warn");
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--primed")) {
                options.put("--primed", "true");
            } else if (i + 1 < args.length) {
                options.put(args[i], args[++i]);
            } else {
                throw new IllegalArgumentException("option " + args[i] + " needs a value");
            }
        }
        Path repo = repo();
        boolean all = what.equals("all");
        if (all || what.equals("sizes")) {
            ArtifactSizes.print(repo, out);
        }
        if (all || what.equals("coldstart")) {
            int repeats = Integer.parseInt(options.getOrDefault("--repeats", "3"));
            String toolOptions = options.get("--java-tool-options");
            new ColdStartBenchmark(repo, out).run(repeats, options.containsKey("--primed"), toolOptions);
            if (all) {
                new ColdStartBenchmark(repo, out).run(repeats, true, toolOptions);
            }
        }
        if (all || what.equals("economy")) {
            new EconomyBenchmark(repo, out).run();
        }
        if (all || what.equals("scale")) {
            List<Integer> concurrency = Arrays.stream(options.getOrDefault("--concurrency", "1,16,64").split(","))
                    .map(Integer::parseInt).toList();
            new ScaleBenchmark(repo, out).run(Integer.parseInt(options.getOrDefault("--accounts", "1000")),
                    concurrency, Long.parseLong(options.getOrDefault("--seed", "20261202")));
        }
        if (all || what.equals("drift")) {
            int accounts = Integer.parseInt(options.getOrDefault("--accounts", all ? "100" : "20"));
            List<Integer> roles = Arrays.stream(options.getOrDefault("--roles", "1,10").split(",")).map(Integer::parseInt).toList();
            List<Integer> concurrency = Arrays.stream(options.getOrDefault("--concurrency", "1,8").split(",")).map(Integer::parseInt).toList();
            new DriftBenchmark(repo, out).run(accounts, roles, concurrency);
        }
        if (what.equals("convergence") && options.containsKey("--replay")) {
            int divergences = new ConvergenceBenchmark(out).replay(Long.parseLong(options.get("--replay")),
                    Integer.parseInt(options.getOrDefault("--length", "30")), Double.parseDouble(options.getOrDefault("--faults", "0.3")));
            return divergences == 0 ? OK : FUNCTION_FAILED;
        }
        if (what.equals("convergence")) {
            int diverged = new ConvergenceBenchmark(out).run(Integer.parseInt(options.getOrDefault("--histories", "200")),
                    Integer.parseInt(options.getOrDefault("--length", "30")), Long.parseLong(options.getOrDefault("--seed", "20261202")),
                    Double.parseDouble(options.getOrDefault("--faults", "0.3")));
            return diverged == 0 ? OK : FUNCTION_FAILED;
        }
        return OK;
    }

    /** Table and queue variables default to the names local runs give them (the logical IDs; LocalQueues). */
    static Map<String, String> withTables(Map<String, String> env) {
        Map<String, String> out = new HashMap<>(env);
        out.putIfAbsent("GRANTS_TABLE", "GrantsTable");
        out.putIfAbsent("ASSIGNMENTS_TABLE", "AssignmentsTable");
        out.putIfAbsent("GRANT_TARGETS_TABLE", "GrantTargetsTable");
        out.putIfAbsent("RECONCILE_QUEUE_URL", RECONCILE_QUEUE);
        out.putIfAbsent("RECONCILE_BULK_QUEUE_URL", RECONCILE_BULK_QUEUE);
        return out;
    }

    static Path repo() {
        String home = System.getProperty("crossrole.home");
        Path dir = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("template.yaml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find template.yaml; run crossrole from the repository");
        }
        return dir.toAbsolutePath();
    }
}
