package io.crossrole.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback HTTP proxy in front of the emulator that injects AWS faults (and, for benchmarks, AWS's latency) on the
 * wire, so that the SDK's own
 * retry (standard mode: 3 attempts, backoff) sees exactly what AWS would send: {@code Throttling} (400),
 * {@code ServiceUnavailable} (503), responses lost after the request was applied, and {@code AccessDenied}
 * (403) from {@code AssumeRole} into chosen accounts. It counts what it forwarded and what it injected, by
 * service and action, and logs each request with the account whose credentials signed it.
 *
 * <p>Fault decisions are reproducible: each is drawn from a generator seeded with the proxy's seed, the request's
 * identity (signing account, action, the names it touches) and how many times that same request came before. So a
 * seed fixes which attempt of which call fails, however the function interleaves its calls across threads.
 *
 * <p>Point Crossrole at it with {@code AWS_ENDPOINT_URL}; keep the test's observer clients on the emulator:
 *
 * <pre>{@code
 * try (FaultyEndpoint proxy = FaultyEndpoint.start(emulator.endpoint(), 42)) {
 *     proxy.throttle(0.30, "iam", "sts").serviceUnavailable(0.05, "iam", "sts");
 *     proxy.denyAssumeRole("333333333333", 3);                 // the first 3 AssumeRole into it: AccessDenied
 *     TestCrossrole crossrole = new TestCrossrole(emulator, Map.of("AWS_ENDPOINT_URL", proxy.url().toString()));
 *     ...
 *     proxy.forwarded("iam", "CreateRole");   proxy.injected("iam", "GetRole", FaultyEndpoint.THROTTLING);
 * }
 * }</pre>
 *
 * Services are named as in the SigV4 credential scope ({@code iam}, {@code sts}, {@code dynamodb},
 * {@code organizations}); actions as the API names them ({@code GetRole}, {@code AssumeRole}, {@code UpdateItem}).
 */
public final class FaultyEndpoint implements AutoCloseable {
    public static final String THROTTLING = "Throttling";
    public static final String SERVICE_UNAVAILABLE = "ServiceUnavailable";
    public static final String LOST_RESPONSE = "LostResponse";
    public static final String ACCESS_DENIED = "AccessDenied";

    private static final Pattern ACCESS_KEY = Pattern.compile("Credential=([^/,\\s]+)/");
    private static final Pattern ISSUED_KEY = Pattern.compile("<AccessKeyId>([^<]+)</AccessKeyId>");
    private static final Pattern CREDENTIAL_SCOPE = Pattern.compile("Credential=[^/,\\s]+/[^/]+/[^/]+/([^/]+)/aws4_request");
    /** Hop-by-hop headers and those java.net.http sets itself. */
    private static final Set<String> NOT_FORWARDED = Set.of("host", "connection", "content-length", "expect", "upgrade",
            "transfer-encoding", "keep-alive", "proxy-connection", "te", "trailer", "date", "via", "warning");
    private static final Set<String> NOT_RETURNED = Set.of("content-length", "transfer-encoding", "connection",
            "keep-alive", "date", ":status");

    /**
     * One request as it passed through: the account whose credentials signed it (learnt from the AssumeRole
     * responses that issued them; {@code caller} for the function's own), what it was, and what the proxy did.
     */
    public record Exchange(String account, String service, String action, Map<String, String> parameters, String outcome) {
        /** True for IAM calls that change something (everything but Get*, List*, Simulate*). */
        public boolean isIamWrite() {
            return service.equals("iam") && !(action.startsWith("Get") || action.startsWith("List") || action.startsWith("Simulate"));
        }

        @Override
        public String toString() {
            return account + " " + service + ":" + action + " " + parameters + " -> " + outcome;
        }
    }

    private record FractionRule(String fault, double fraction, Set<String> services, Set<String> actions) {
        boolean covers(String service, String action) {
            return services.contains(service) && (actions.isEmpty() || actions.contains(action));
        }
    }

    /**
     * A log-normal latency: half the calls take less than {@code medianMs}, one in a hundred more than {@code p99Ms}.
     *
     * @param actions empty: every action of the service not named by a more specific rule
     */
    public record Latency(String service, Set<String> actions, double medianMs, double p99Ms) {
        public Latency {
            actions = Set.copyOf(actions);
            if (medianMs < 0 || p99Ms < medianMs) {
                throw new IllegalArgumentException("need 0 <= median <= p99: " + medianMs + ", " + p99Ms);
            }
        }

        long sampleMillis(SplittableRandom random) {
            if (medianMs == 0) {
                return 0;
            }
            double sigma = Math.log(p99Ms / medianMs) / 2.3263478740;
            return Math.round(medianMs * Math.exp(sigma * gaussian(random)));
        }

        private static double gaussian(SplittableRandom random) {
            double u = 1 - random.nextDouble();
            double v = random.nextDouble();
            return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
        }
    }

    private static final class Denial {
        final Instant until;
        final AtomicInteger attemptsLeft;

        Denial(Instant until, int attempts) {
            this.until = until;
            this.attemptsLeft = new AtomicInteger(attempts);
        }

        /** Consumes one attempt; true while the denial lasts. */
        boolean deny(Instant now) {
            if (until != null) {
                return now.isBefore(until);
            }
            return attemptsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        }
    }

    private final URI target;
    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient http;
    private final long seed;
    private final Map<String, AtomicInteger> attemptsOfRequest = new ConcurrentHashMap<>();
    private final List<FractionRule> rules = new CopyOnWriteArrayList<>();
    private final Map<String, Denial> denials = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> forwarded = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> injected = new ConcurrentHashMap<>();
    private final List<Exchange> log = Collections.synchronizedList(new ArrayList<>());
    private final List<Latency> latencies = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicLong> latencyInjectedMillis = new ConcurrentHashMap<>();
    private final AtomicLong latencyDraws = new AtomicLong();
    private final Map<String, AtomicLong> emulatorNanos = new ConcurrentHashMap<>();
    private final Map<String, String> accountOfKey = new ConcurrentHashMap<>();

    private FaultyEndpoint(URI target, long seed) throws IOException {
        this.target = target;
        this.seed = seed;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
        // a thread per request: a call held for its injected latency must not hold up the others
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Starts the proxy on a free loopback port, forwarding to {@code target}; {@code seed} fixes every fault decision. */
    public static FaultyEndpoint start(URI target, long seed) {
        try {
            return new FaultyEndpoint(target, seed);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the faulty endpoint: " + e.getMessage(), e);
        }
    }

    /** The URL to give Crossrole as {@code AWS_ENDPOINT_URL}. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Answers {@code fraction} of the services' requests (optionally only those actions) with 400 Throttling. */
    public FaultyEndpoint throttle(double fraction, String... services) {
        return rule(THROTTLING, fraction, Set.of(services), Set.of());
    }

    /** Answers {@code fraction} of the services' requests with 503 ServiceUnavailable, without forwarding them. */
    public FaultyEndpoint serviceUnavailable(double fraction, String... services) {
        return rule(SERVICE_UNAVAILABLE, fraction, Set.of(services), Set.of());
    }

    /**
     * Forwards {@code fraction} of the services' requests, so the emulator applies them, and then answers 503
     * instead of the emulator's response: a response lost on the way back, after which the SDK retries a call
     * that already took effect (non-idempotent writes such as CreateRole then meet EntityAlreadyExists).
     */
    public FaultyEndpoint loseResponses(double fraction, String... services) {
        return rule(LOST_RESPONSE, fraction, Set.of(services), Set.of());
    }

    /** A fault for a fraction of only the given actions of one service, e.g. {@code ("iam", Set.of("CreateRole"))}. */
    public FaultyEndpoint rule(String fault, double fraction, Set<String> services, Set<String> actions) {
        if (!Set.of(THROTTLING, SERVICE_UNAVAILABLE, LOST_RESPONSE).contains(fault)) {
            throw new IllegalArgumentException("unknown fault " + fault);
        }
        if (fraction < 0 || fraction > 1) {
            throw new IllegalArgumentException("fraction must be within [0, 1]: " + fraction);
        }
        rules.add(new FractionRule(fault, fraction, Set.copyOf(services), Set.copyOf(actions)));
        return this;
    }

    /**
     * Holds each matching request for a latency drawn from the distribution before forwarding it: the same wait a
     * client in the Region would see from AWS. The most specific rule wins (service and action over service alone).
     */
    public FaultyEndpoint latency(Latency latency) {
        latencies.add(latency);
        return this;
    }

    /** The injected latency so far, by service, in milliseconds. */
    public Map<String, Long> injectedLatencyMillis() {
        Map<String, Long> out = new TreeMap<>();
        latencyInjectedMillis.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** The time the emulator took to answer forwarded requests, by service, in milliseconds (its own share of a run). */
    public Map<String, Long> emulatorMillis() {
        Map<String, Long> out = new TreeMap<>();
        emulatorNanos.forEach((k, v) -> out.put(k, v.get() / 1_000_000));
        return out;
    }

    /** Answers every AssumeRole into {@code accountId} with 403 AccessDenied for {@code window} from now. */
    public FaultyEndpoint denyAssumeRole(String accountId, Duration window) {
        denials.put(accountId, new Denial(Instant.now().plus(window), 0));
        return this;
    }

    /** Answers the next {@code attempts} AssumeRole calls into {@code accountId} with 403 AccessDenied. */
    public FaultyEndpoint denyAssumeRole(String accountId, int attempts) {
        denials.put(accountId, new Denial(null, attempts));
        return this;
    }

    /** Ends the denial for {@code accountId} at once. */
    public FaultyEndpoint allowAssumeRole(String accountId) {
        denials.remove(accountId);
        return this;
    }

    /** Removes every fault rule and denial; counts and log are kept. */
    public FaultyEndpoint clearFaults() {
        rules.clear();
        denials.clear();
        return this;
    }

    /** Forgets the counts, the timings and the log (the rules, and the attempts that fault decisions draw on, stay). */
    public void resetCounts() {
        forwarded.clear();
        injected.clear();
        log.clear();
        latencyInjectedMillis.clear();
        emulatorNanos.clear();
    }

    /** Requests that reached the emulator (a lost response counts: the emulator applied it). */
    public int forwarded(String service, String action) {
        return count(forwarded, service + ":" + action);
    }

    /** Faults injected into {@code service:action}, of one kind ({@link #THROTTLING}, ...). */
    public int injected(String service, String action, String fault) {
        return count(injected, service + ":" + action + ":" + fault);
    }

    /** Faults of one kind injected into any request. */
    public int injected(String fault) {
        return injected.entrySet().stream().filter(e -> e.getKey().endsWith(":" + fault))
                .mapToInt(e -> e.getValue().get()).sum();
    }

    /** {@code service:action} → requests forwarded, sorted. */
    public Map<String, Integer> forwardedCounts() {
        return snapshot(forwarded);
    }

    /** {@code service:action:fault} → faults injected, sorted. */
    public Map<String, Integer> injectedCounts() {
        return snapshot(injected);
    }

    /** Every request in arrival order, with the proxy's outcome. */
    public List<Exchange> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    /** IAM writes that reached the emulator, in order, with their account and parameters. */
    public List<Exchange> forwardedIamWrites() {
        return log().stream().filter(e -> e.isIamWrite() && e.outcome().startsWith("forwarded")).toList();
    }

    /** AssumeRole requests into {@code accountId} that reached the emulator. */
    public long forwardedAssumeRole(String accountId) {
        return log.stream().filter(e -> e.service().equals("sts") && e.action().equals("AssumeRole")
                && e.outcome().startsWith("forwarded") && accountOf(e.parameters().getOrDefault("RoleArn", "")).equals(accountId)).count();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String service = service(exchange);
            Map<String, String> parameters = parameters(exchange, body);
            String action = action(exchange, parameters);
            String key = service + ":" + action;
            String signer = signer(exchange);

            hold(service, action);
            Optional<String> fault = decide(signer, service, action, parameters);
            if (fault.isPresent() && !fault.get().equals(LOST_RESPONSE)) {
                increment(injected, key + ":" + fault.get());
                log.add(new Exchange(signer, service, action, brief(parameters), "injected " + fault.get()));
                respondError(exchange, errorStatus(fault.get()), fault.get(), service, parameters);
                return;
            }
            HttpResponse<byte[]> response;
            long sent = System.nanoTime();
            try {
                response = forward(exchange, body);
                emulatorNanos.computeIfAbsent(service, k -> new AtomicLong()).addAndGet(System.nanoTime() - sent);
            } catch (IOException | InterruptedException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                log.add(new Exchange(signer, service, action, brief(parameters), "emulator unreachable: " + e));
                respond(exchange, 502, Map.of(), new byte[0]);
                return;
            }
            increment(forwarded, key);
            if (key.equals("sts:AssumeRole") && response.statusCode() == 200) {
                Matcher issued = ISSUED_KEY.matcher(new String(response.body(), StandardCharsets.UTF_8));
                if (issued.find()) {
                    accountOfKey.put(issued.group(1), accountOf(parameters.getOrDefault("RoleArn", "")));
                }
            }
            if (fault.isPresent()) {
                increment(injected, key + ":" + LOST_RESPONSE);
                log.add(new Exchange(signer, service, action, brief(parameters), "forwarded " + response.statusCode()
                        + ", response replaced by injected " + LOST_RESPONSE));
                respondError(exchange, 503, SERVICE_UNAVAILABLE, service, parameters);
                return;
            }
            log.add(new Exchange(signer, service, action, brief(parameters), "forwarded " + response.statusCode()));
            Map<String, List<String>> headers = new LinkedHashMap<>();
            response.headers().map().forEach((name, values) -> {
                if (!NOT_RETURNED.contains(name.toLowerCase(Locale.ROOT))) {
                    headers.put(name, values);
                }
            });
            respond(exchange, response.statusCode(), headers, response.body());
        } catch (RuntimeException e) {
            // never leave the SDK hanging: a proxy bug shows as a 500 the test will notice
            e.printStackTrace();
            try {
                respond(exchange, 500, Map.of(), new byte[0]);
            } catch (IOException | RuntimeException ignored) {
                // the exchange is already broken
            }
        }
    }

    private void hold(String service, String action) {
        Latency rule = latencies.stream().filter(l -> l.service().equals(service) && l.actions().contains(action)).findFirst()
                .orElseGet(() -> latencies.stream().filter(l -> l.service().equals(service) && l.actions().isEmpty()).findFirst().orElse(null));
        if (rule == null) {
            return;
        }
        long millis = rule.sampleMillis(new SplittableRandom(seed * 0x9E3779B97F4A7C15L + latencyDraws.incrementAndGet()));
        latencyInjectedMillis.computeIfAbsent(service, k -> new AtomicLong()).addAndGet(millis);
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Optional<String> decide(String signer, String service, String action, Map<String, String> parameters) {
        if (service.equals("sts") && action.equals("AssumeRole")) {
            String account = accountOf(parameters.getOrDefault("RoleArn", ""));
            Denial denial = denials.get(account);
            if (denial != null && denial.deny(Instant.now())) {
                return Optional.of(ACCESS_DENIED);
            }
        }
        if (rules.stream().noneMatch(rule -> rule.covers(service, action))) {
            return Optional.empty();
        }
        String request = signer + " " + service + ":" + action + " " + brief(parameters);
        int attempt = attemptsOfRequest.computeIfAbsent(request, k -> new AtomicInteger()).getAndIncrement();
        SplittableRandom dice = new SplittableRandom(seed * 0x9E3779B97F4A7C15L
                + request.hashCode() * 0xC2B2AE3D27D4EB4FL + attempt * 0x165667B19E3779F9L);
        for (FractionRule rule : rules) {
            if (rule.covers(service, action) && dice.nextDouble() < rule.fraction()) {
                return Optional.of(rule.fault());
            }
        }
        return Optional.empty();
    }

    private HttpResponse<byte[]> forward(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
        URI incoming = exchange.getRequestURI();
        String pathAndQuery = incoming.getRawPath() + (incoming.getRawQuery() == null ? "" : "?" + incoming.getRawQuery());
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(stripSlash(target.toString()) + pathAndQuery))
                .timeout(Duration.ofSeconds(60))
                .method(exchange.getRequestMethod(), body.length == 0
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                return;
            }
            for (String value : values) {
                try {
                    request.header(name, value);
                } catch (IllegalArgumentException restricted) {
                    // a header java.net.http manages itself
                }
            }
        });
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void respond(HttpExchange exchange, int status, Map<String, List<String>> headers, byte[] body) throws IOException {
        headers.forEach((name, values) -> exchange.getResponseHeaders().put(name, new ArrayList<>(values)));
        boolean noBody = body.length == 0 || status == 204 || status == 304 || "HEAD".equalsIgnoreCase(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, noBody ? -1 : body.length);
        if (!noBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static int errorStatus(String fault) {
        return switch (fault) {
            case THROTTLING -> 400;
            case ACCESS_DENIED -> 403;
            default -> 503;
        };
    }

    /** The AWS Query protocol's error document, as IAM and STS send it. */
    /**
     * An error in the protocol of the service asked: JSON for the services called with {@code X-Amz-Target}
     * (DynamoDB, SQS, Organizations), S3's REST-XML {@code <Error>}, the query protocol's {@code <ErrorResponse>}
     * for the rest (IAM, STS, SNS): each SDK reads its code, and so classifies throttling as throttling.
     */
    private static void respondError(HttpExchange exchange, int status, String fault, String service, Map<String, String> parameters)
            throws IOException {
        if (exchange.getRequestHeaders().getFirst("X-Amz-Target") != null) {
            String json = "{\"__type\":\"" + fault + "\",\"message\":\"" + errorMessage(fault, parameters).replace("\"", "'") + "\"}";
            respond(exchange, status, Map.of("Content-Type", List.of("application/x-amz-json-1.0"),
                    "x-amzn-ErrorType", List.of(fault), "x-amzn-query-error", List.of(fault + ";" + errorType(fault))),
                    json.getBytes(StandardCharsets.UTF_8));
        } else if (service.equals("s3")) {
            String code = fault.equals(THROTTLING) ? "SlowDown" : fault;
            respond(exchange, fault.equals(THROTTLING) ? 503 : status, Map.of("Content-Type", List.of("application/xml")),
                    ("<Error><Code>" + code + "</Code><Message>" + xml(errorMessage(fault, parameters)) + "</Message><RequestId>"
                            + UUID.randomUUID() + "</RequestId></Error>").getBytes(StandardCharsets.UTF_8));
        } else {
            respond(exchange, status, Map.of("Content-Type", List.of("text/xml")), errorBody(fault, service, parameters));
        }
    }

    private static String errorType(String fault) {
        return fault.equals(SERVICE_UNAVAILABLE) ? "Receiver" : "Sender";
    }

    private static String errorMessage(String fault, Map<String, String> parameters) {
        return switch (fault) {
            case THROTTLING -> "Rate exceeded";
            case ACCESS_DENIED -> "User: arn:aws:sts::123456789012:assumed-role/crossrole/crossrole-reconcile is not authorized"
                    + " to perform: sts:AssumeRole on resource: " + parameters.getOrDefault("RoleArn", "?");
            default -> "Service Unavailable";
        };
    }

    private static byte[] errorBody(String fault, String service, Map<String, String> parameters) {
        String type = errorType(fault);
        String message = xml(errorMessage(fault, parameters));
        String namespace = service.equals("sts") ? "https://sts.amazonaws.com/doc/2011-06-15/"
                : "https://iam.amazonaws.com/doc/2010-05-08/";
        return ("<ErrorResponse xmlns=\"" + namespace + "\"><Error><Type>" + type + "</Type><Code>" + fault + "</Code><Message>"
                + message + "</Message></Error><RequestId>" + UUID.randomUUID() + "</RequestId></ErrorResponse>")
                .getBytes(StandardCharsets.UTF_8);
    }

    private String signer(HttpExchange exchange) {
        Matcher key = ACCESS_KEY.matcher(Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization")).orElse(""));
        return key.find() ? accountOfKey.getOrDefault(key.group(1), "caller") : "anonymous";
    }

    private static String service(HttpExchange exchange) {
        String authorization = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization")).orElse("");
        Matcher scope = CREDENTIAL_SCOPE.matcher(authorization);
        if (scope.find()) {
            return scope.group(1).toLowerCase(Locale.ROOT);
        }
        String amzTarget = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (amzTarget != null && amzTarget.startsWith("DynamoDB")) {
            return "dynamodb";
        }
        if (amzTarget != null && amzTarget.startsWith("AmazonSQS")) {
            return "sqs";
        }
        if (amzTarget != null && amzTarget.startsWith("AWSOrganizationsV")) {
            return "organizations";
        }
        return "unknown";
    }

    private static String action(HttpExchange exchange, Map<String, String> parameters) {
        if (parameters.containsKey("Action")) {
            return parameters.get("Action");
        }
        String amzTarget = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (amzTarget != null) {
            int dot = amzTarget.lastIndexOf('.');
            return dot >= 0 ? amzTarget.substring(dot + 1) : amzTarget;
        }
        return exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
    }

    /** Query-protocol parameters: the form body and the URL's query. */
    private static Map<String, String> parameters(HttpExchange exchange, byte[] body) {
        Map<String, String> out = new LinkedHashMap<>();
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null) {
            parseForm(query, out);
        }
        String type = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Content-Type")).orElse("");
        if (type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            parseForm(new String(body, StandardCharsets.UTF_8), out);
        }
        return out;
    }

    private static void parseForm(String form, Map<String, String> into) {
        for (String pair : form.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            into.put(name, value);
        }
    }

    /** The parameters worth logging: names of what is touched, never documents or credentials. */
    private static Map<String, String> brief(Map<String, String> parameters) {
        Map<String, String> out = new TreeMap<>();
        for (String name : List.of("RoleName", "PolicyName", "PolicyArn", "GroupName", "UserName", "RoleArn", "InstanceProfileName")) {
            if (parameters.containsKey(name)) {
                out.put(name, parameters.get(name));
            }
        }
        return out;
    }

    private static String accountOf(String arn) {
        String[] parts = arn.split(":", 6);
        return parts.length > 4 ? parts[4] : "";
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static void increment(Map<String, AtomicInteger> counts, String key) {
        counts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }

    private static int count(Map<String, AtomicInteger> counts, String key) {
        AtomicInteger n = counts.get(key);
        return n == null ? 0 : n.get();
    }

    private static Map<String, Integer> snapshot(Map<String, AtomicInteger> counts) {
        Map<String, Integer> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        http.close();
    }
}
