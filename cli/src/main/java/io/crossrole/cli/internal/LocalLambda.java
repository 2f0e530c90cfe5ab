package io.crossrole.cli.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * Runs a Java Lambda function locally the way Lambda's Java runtime does, without Docker.
 *
 * <p>The real AWS Lambda Runtime Interface Client (RIC) runs in a child JVM and loads the function from
 * {@link Spec#taskRoot()} (classes at the root, jars under {@code lib/}) through its own class loader. It
 * talks to the Lambda Runtime API (2018-06-01), which this class serves on {@code 127.0.0.1}. The child
 * stays warm between invocations; after a timeout or a crash the next invocation starts a fresh one, as
 * Lambda replaces a broken execution environment.
 *
 * <pre>{@code
 * Path taskRoot = LambdaArtifact.extractToTemp(Path.of("function.zip"));
 * LocalLambda.Spec spec = LocalLambda.Spec.builder()
 *         .taskRoot(taskRoot)
 *         .handler("io.example.Handler::handleRequest")
 *         .functionName("example")
 *         .environment(Map.of("TABLE_NAME", "grants"))
 *         .runtimeClasspath(ricJars)
 *         .timeout(Duration.ofSeconds(30))
 *         .build();
 * try (LocalLambda lambda = LocalLambda.start(spec)) {
 *     LocalLambda.Invocation result = lambda.invoke("{\"key\":\"value\"}");
 *     System.out.println(result.payload());
 * }
 * }</pre>
 */
public final class LocalLambda implements AutoCloseable {

    private static final String RIC_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
    private static final String RIC_JNI_PROPERTY =
            "com.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI";
    private static final String API = "/2018-06-01/runtime";
    private static final Pattern RESULT_PATH = Pattern.compile(API + "/invocation/([^/]+)/(response|error)");
    private static final Duration INIT_LIMIT = Duration.ofSeconds(10);
    private static final List<String> PASSED_THROUGH = List.of("PATH", "HOME", "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION");
    private static final String ACCEPTED = "{\"status\":\"OK\"}";

    private final Spec spec;
    private final Path workDir;
    private final Path nativeLib;
    private Sandbox sandbox;
    private boolean closed;

    private LocalLambda(Spec spec) throws IOException {
        this.spec = spec;
        this.workDir = Files.createTempDirectory("crossrole-lambda-");
        try {
            this.nativeLib = extractNativeLib(spec.runtimeClasspath(), workDir);
        } catch (IOException e) {
            deleteTree(workDir);
            throw e;
        }
    }

    /** Starts the runtime API and the child JVM, which initializes the function right away (Lambda's INIT phase). */
    public static LocalLambda start(Spec spec) throws IOException {
        LocalLambda lambda = new LocalLambda(Objects.requireNonNull(spec, "spec"));
        try {
            lambda.sandbox = lambda.new Sandbox();
        } catch (IOException | RuntimeException e) {
            lambda.close();
            throw e;
        }
        return lambda;
    }

    /**
     * Sends one event to the function and waits for its result, the way a synchronous Lambda invoke does.
     * Never throws for function failures: an unhandled exception, an init error, a crash of the runtime or a
     * timeout all come back as a failed {@link Invocation} whose payload is Lambda's error JSON.
     */
    public synchronized Invocation invoke(String eventJson) {
        Objects.requireNonNull(eventJson, "eventJson");
        if (closed) {
            throw new IllegalStateException("LocalLambda is closed");
        }
        if (sandbox.used && !sandbox.process.isAlive()) {
            sandbox.close();
            try {
                sandbox = new Sandbox();
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot restart the Lambda runtime", e);
            }
        }
        return sandbox.invoke(eventJson);
    }

    /**
     * The current runtime's INIT phase: from starting its JVM to its first request for an event, by which time
     * the runtime client has loaded and constructed the handler. Empty until that first request.
     */
    public synchronized Optional<Duration> initDuration() {
        long ready = sandbox == null ? 0 : sandbox.readyNanos;
        return ready == 0 ? Optional.empty() : Optional.of(Duration.ofNanos(ready - sandbox.startedNanos));
    }

    /** Stops the runtime API and the child JVM. */
    @Override
    public synchronized void close() {
        closed = true;
        if (sandbox != null) {
            sandbox.close();
        }
        deleteTree(workDir);
    }

    /**
     * One execution environment: a child JVM running the RIC and the runtime API it polls.
     * A replacement gets a new server so that a request of a dead child can never take its events.
     */
    private final class Sandbox {
        private volatile long startedNanos;
        private volatile long readyNanos;
        private final BlockingQueue<Request> events = new LinkedBlockingQueue<>();
        private final CompletableFuture<String> initError = new CompletableFuture<>();
        private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        private final String region;
        private final HttpServer server;
        private final Process process;
        private final Thread logPump;
        private volatile Request current;
        private boolean used;

        Sandbox() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            Map<String, String> environment = childEnvironment("127.0.0.1:" + server.getAddress().getPort());
            region = environment.get("AWS_REGION");
            server.setExecutor(executor);
            server.createContext(API + "/", this::handle);
            server.start();
            ProcessBuilder builder = new ProcessBuilder(command())
                    .directory(spec.taskRoot().toFile())
                    .redirectErrorStream(true);
            builder.environment().clear();
            builder.environment().putAll(environment);
            try {
                startedNanos = System.nanoTime();
                process = builder.start();
            } catch (IOException e) {
                stopServer();
                throw e;
            }
            logPump = Thread.ofPlatform().daemon().name("lambda-logs-" + process.pid())
                    .start(() -> pump(process.getInputStream()));
            process.onExit().thenRun(() -> {
                Request request = current;
                if (request != null) {
                    request.outcome.complete(exitFailure(request.id));
                }
            });
        }

        Invocation invoke(String eventJson) {
            used = true;
            Request request = new Request(UUID.randomUUID().toString(), eventJson);
            long started = System.nanoTime();
            log("START RequestId: " + request.id + " Version: $LATEST");
            current = request;
            if (!process.isAlive()) {
                request.outcome.complete(exitFailure(request.id));
            }
            events.add(request);
            Outcome outcome = await(request);
            current = null;
            events.remove(request);
            if (!process.isAlive()) {
                awaitLogs();
            }
            long ended = System.nanoTime();
            Duration duration = Duration.ofNanos(ended - started);
            Duration run = Duration.ofNanos(request.pickedUpNanos == 0 ? 0 : ended - request.pickedUpNanos);
            log("END RequestId: " + request.id);
            log(String.format(Locale.ROOT, "REPORT RequestId: %s\tDuration: %.2f ms\tMemory Size: %d MB",
                    request.id, run.toNanos() / 1e6, spec.memoryMb()));
            return new Invocation(request.id, outcome.failed, outcome.payload, duration, run);
        }

        private Outcome await(Request request) {
            try {
                CompletableFuture.anyOf(request.pickedUp, request.outcome)
                        .get(INIT_LIMIT.plus(spec.timeout()).toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                kill();
                return failure(request.id, "Sandbox.Timedout", "Runtime did not request the event within "
                        + seconds(INIT_LIMIT.plus(spec.timeout())) + " seconds");
            } catch (InterruptedException | ExecutionException e) {
                return abandon(request, e);
            }
            try {
                long remaining = request.outcome.isDone() ? 0 : request.pickedUp.join() - System.currentTimeMillis();
                return request.outcome.get(Math.max(remaining, 0), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                kill();
                return failure(request.id, "Sandbox.Timedout", "Task timed out after "
                        + seconds(spec.timeout()) + " seconds");
            } catch (InterruptedException | ExecutionException e) {
                return abandon(request, e);
            }
        }

        private Outcome abandon(Request request, Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            kill();
            return failure(request.id, "Runtime.Unknown", "Invocation interrupted");
        }

        private void kill() {
            try {
                process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private Outcome exitFailure(String requestId) {
            String error = initError.getNow(null);
            if (error != null) {
                return new Outcome(true, error);
            }
            String status = process.isAlive() ? "unknown" : "exit status " + process.exitValue();
            return failure(requestId, "Runtime.ExitError", "Runtime exited with error: " + status);
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                String method = exchange.getRequestMethod();
                String path = exchange.getRequestURI().getPath();
                byte[] body = exchange.getRequestBody().readAllBytes();
                Matcher result = RESULT_PATH.matcher(path);
                if (method.equals("GET") && path.equals(API + "/invocation/next")) {
                    next(exchange);
                } else if (method.equals("POST") && path.equals(API + "/init/error")) {
                    String error = new String(body, StandardCharsets.UTF_8);
                    initError.complete(error);
                    Request request = current;
                    if (request != null) {
                        request.outcome.complete(new Outcome(true, error));
                    }
                    respond(exchange, 202, ACCEPTED);
                } else if (method.equals("POST") && result.matches()) {
                    Request request = current;
                    if (request == null || !request.id.equals(result.group(1))) {
                        respond(exchange, 400, "{\"errorMessage\":\"Invalid request ID\","
                                + "\"errorType\":\"InvalidRequestID\"}");
                        return;
                    }
                    boolean failed = result.group(2).equals("error");
                    request.outcome.complete(new Outcome(failed, new String(body, StandardCharsets.UTF_8)));
                    respond(exchange, 202, ACCEPTED);
                } else {
                    respond(exchange, 404, "{\"errorMessage\":\"Unknown runtime API path\","
                            + "\"errorType\":\"NotFound\"}");
                }
            }
        }

        private void next(HttpExchange exchange) throws IOException {
            if (readyNanos == 0) {
                readyNanos = System.nanoTime();
            }
            Request request;
            try {
                request = events.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long deadline = System.currentTimeMillis() + spec.timeout().toMillis();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("Lambda-Runtime-Aws-Request-Id", request.id);
            exchange.getResponseHeaders().set("Lambda-Runtime-Deadline-Ms", Long.toString(deadline));
            exchange.getResponseHeaders().set("Lambda-Runtime-Invoked-Function-Arn",
                    "arn:aws:lambda:" + region + ":123456789012:function:" + spec.functionName());
            exchange.getResponseHeaders().set("Lambda-Runtime-Trace-Id", traceId());
            request.pickedUpNanos = System.nanoTime();
            request.pickedUp.complete(deadline);
            respond(exchange, 200, request.event);
        }

        private Map<String, String> childEnvironment(String runtimeApi) {
            Map<String, String> env = new LinkedHashMap<>();
            System.getenv().forEach((name, value) -> {
                if (PASSED_THROUGH.contains(name) || name.startsWith("AWS_ENDPOINT_URL")) {
                    env.put(name, value);
                }
            });
            env.put("AWS_LAMBDA_RUNTIME_API", runtimeApi);
            env.put("LAMBDA_TASK_ROOT", spec.taskRoot().toString());
            env.put("_HANDLER", spec.handler());
            env.put("AWS_LAMBDA_FUNCTION_NAME", spec.functionName());
            env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(spec.memoryMb()));
            env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
            env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
            env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + spec.functionName());
            env.put("AWS_LAMBDA_LOG_STREAM_NAME", LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter
                    .ofPattern("yyyy/MM/dd")) + "/[$LATEST]" + UUID.randomUUID().toString().replace("-", ""));
            env.put("AWS_EXECUTION_ENV", "AWS_Lambda_java25");
            env.put("TZ", ":UTC");
            env.put("LANG", "en_US.UTF-8");
            env.putAll(spec.environment());
            String region = env.getOrDefault("AWS_REGION", env.getOrDefault("AWS_DEFAULT_REGION", "us-east-1"));
            env.putIfAbsent("AWS_REGION", region);
            env.putIfAbsent("AWS_DEFAULT_REGION", region);
            return env;
        }

        private List<String> command() {
            List<String> command = new ArrayList<>(List.of(spec.javaExecutable().toString(),
                    "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                    "-XX:MaxHeapSize=" + spec.memoryMb() * 85 / 100 + "m", "-Djava.net.preferIPv4Stack=true",
                    "--enable-native-access=ALL-UNNAMED"));
            if (nativeLib != null) {
                command.add("-D" + RIC_JNI_PROPERTY + "=" + nativeLib);
            }
            command.addAll(List.of("-cp", spec.runtimeClasspath().stream().map(Path::toString)
                    .collect(Collectors.joining(File.pathSeparator)), RIC_MAIN, spec.handler()));
            return command;
        }

        private void pump(InputStream output) {
            byte[] buffer = new byte[8192];
            try (output) {
                for (int n; (n = output.read(buffer)) > 0; ) {
                    synchronized (spec.logs()) {
                        spec.logs().write(buffer, 0, n);
                        spec.logs().flush();
                    }
                }
            } catch (IOException e) {
                // the child is gone
            }
        }

        private void log(String line) {
            byte[] bytes = (line + System.lineSeparator()).getBytes(StandardCharsets.UTF_8);
            synchronized (spec.logs()) {
                try {
                    spec.logs().write(bytes);
                    spec.logs().flush();
                } catch (IOException e) {
                    // logs are best effort
                }
            }
        }

        void close() {
            process.destroy();
            try {
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            awaitLogs();
            stopServer();
        }

        private void awaitLogs() {
            try {
                logPump.join(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void stopServer() {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    private static final class Request {
        final String id;
        final String event;
        final CompletableFuture<Long> pickedUp = new CompletableFuture<>();
        volatile long pickedUpNanos;
        final CompletableFuture<Outcome> outcome = new CompletableFuture<>();

        Request(String id, String event) {
            this.id = id;
            this.event = event;
        }
    }

    private record Outcome(boolean failed, String payload) {
    }

    private static Outcome failure(String requestId, String type, String message) {
        return new Outcome(true, "{\"errorType\":\"" + type + "\",\"errorMessage\":\"RequestId: " + requestId
                + " Error: " + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static String traceId() {
        HexFormat hex = HexFormat.of();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return String.format("Root=1-%08x-%s;Parent=%s;Sampled=0", System.currentTimeMillis() / 1000,
                hex.toHexDigits(random.nextInt()) + hex.toHexDigits(random.nextLong()),
                hex.toHexDigits(random.nextLong()));
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.2f", duration.toMillis() / 1000.0);
    }

    /**
     * Extracts the RIC's JNI library for this platform into {@code dir}, so that concurrent children do not
     * race on the shared {@code /tmp/.libaws-lambda-jni.so} the RIC would unpack it to. Returns null if the
     * platform has no library in the jar; the RIC then reports the failure itself.
     */
    private static Path extractNativeLib(List<Path> classpath, Path dir) throws IOException {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch_64";
            default -> null;
        };
        if (arch == null || !System.getProperty("os.name").equals("Linux")) {
            return null;
        }
        boolean musl = Files.exists(Path.of("/lib/ld-musl-" + arch.replace("_", "") + ".so.1"));
        String entry = "jni/libaws-lambda-jni." + (musl ? "linux_musl-" : "linux-") + arch + ".so";
        for (Path jar : classpath) {
            if (!Files.isRegularFile(jar)) {
                continue;
            }
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                var lib = zip.getEntry(entry);
                if (lib != null) {
                    Path target = dir.resolve("libaws-lambda-jni.so");
                    try (InputStream in = zip.getInputStream(lib)) {
                        Files.copy(in, target);
                    }
                    return target;
                }
            }
        }
        return null;
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a leftover temp directory is harmless
        }
    }

    /**
     * The result of one invocation.
     *
     * @param requestId the request id the function saw in its {@code Context}
     * @param failed    whether the function or its runtime failed (Lambda's {@code FunctionError})
     * @param payload   the function's response JSON or, when failed, Lambda's error JSON: {@code errorMessage},
     *                  {@code errorType}, and {@code stackTrace} when the RIC sends one
     * @param duration  the wall-clock time of the call, including the cold start of a new child
     * @param run       from the runtime taking the event to its response (Lambda's REPORT {@code Duration}, which
     *                  excludes INIT); zero when the runtime never took it
     */
    public record Invocation(String requestId, boolean failed, String payload, Duration duration, Duration run) {
    }

    /**
     * What to run and how.
     *
     * @param taskRoot          the extracted deployment artifact (Lambda's {@code /var/task})
     * @param handler           {@code package.Class::method} or {@code package.Class}
     * @param functionName      the function's name, used in its ARN and log group
     * @param environment       the function's environment variables; they override the runtime's
     * @param runtimeClasspath  the RIC jar and its dependencies; never the function's code
     * @param memoryMb          the function's memory, which sizes the child's heap
     * @param timeout           the function's timeout, counted from when the runtime takes the event
     * @param javaExecutable    the {@code java} that runs the child
     * @param logs              where the child's stdout and stderr (the function's logs) go
     */
    public record Spec(Path taskRoot, String handler, String functionName, Map<String, String> environment,
                       List<Path> runtimeClasspath, int memoryMb, Duration timeout, Path javaExecutable,
                       OutputStream logs) {

        public Spec {
            taskRoot = Objects.requireNonNull(taskRoot, "taskRoot").toAbsolutePath().normalize();
            Objects.requireNonNull(handler, "handler");
            Objects.requireNonNull(functionName, "functionName");
            environment = Map.copyOf(environment);
            runtimeClasspath = List.copyOf(runtimeClasspath);
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(javaExecutable, "javaExecutable");
            Objects.requireNonNull(logs, "logs");
            if (!Files.isDirectory(taskRoot)) {
                throw new IllegalArgumentException("Task root is not a directory: " + taskRoot);
            }
            if (runtimeClasspath.isEmpty()) {
                throw new IllegalArgumentException("The runtime classpath is empty");
            }
            if (memoryMb < 128 || memoryMb > 10240) {
                throw new IllegalArgumentException("Memory must be 128-10240 MB, was " + memoryMb);
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("Timeout must be positive, was " + timeout);
            }
        }

        /** A builder with Lambda's defaults: 128 MB, 3 seconds, the current JVM's java, logs to System.err. */
        public static Builder builder() {
            return new Builder();
        }

        @Override
        public String toString() {
            return "Spec[taskRoot=" + taskRoot + ", handler=" + handler + ", functionName=" + functionName
                    + ", environment=" + environment.keySet() + ", memoryMb=" + memoryMb + ", timeout=" + timeout
                    + "]";
        }

        /** Builds a {@link Spec}; taskRoot, handler and runtimeClasspath are required. */
        public static final class Builder {
            private Path taskRoot;
            private String handler;
            private String functionName = "function";
            private Map<String, String> environment = Map.of();
            private List<Path> runtimeClasspath = List.of();
            private int memoryMb = 128;
            private Duration timeout = Duration.ofSeconds(3);
            private Path javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java");
            private OutputStream logs = System.err;

            private Builder() {
            }

            public Builder taskRoot(Path taskRoot) {
                this.taskRoot = taskRoot;
                return this;
            }

            public Builder handler(String handler) {
                this.handler = handler;
                return this;
            }

            public Builder functionName(String functionName) {
                this.functionName = functionName;
                return this;
            }

            public Builder environment(Map<String, String> environment) {
                this.environment = environment;
                return this;
            }

            public Builder runtimeClasspath(List<Path> runtimeClasspath) {
                this.runtimeClasspath = runtimeClasspath;
                return this;
            }

            public Builder memoryMb(int memoryMb) {
                this.memoryMb = memoryMb;
                return this;
            }

            public Builder timeout(Duration timeout) {
                this.timeout = timeout;
                return this;
            }

            public Builder javaExecutable(Path javaExecutable) {
                this.javaExecutable = javaExecutable;
                return this;
            }

            public Builder logs(OutputStream logs) {
                this.logs = logs;
                return this;
            }

            public Spec build() {
                return new Spec(taskRoot, handler, functionName, environment, runtimeClasspath, memoryMb, timeout,
                        javaExecutable, logs);
            }
        }
    }
}
