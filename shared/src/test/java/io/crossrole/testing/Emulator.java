package io.crossrole.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.AlreadyInOrganizationException;
import software.amazon.awssdk.services.organizations.model.OrganizationFeatureSet;
import software.amazon.awssdk.services.organizations.model.Tag;

/**
 * A running AWS emulator: the one named by {@code AWS_ENDPOINT_URL}, else LocalStack in Docker, else a moto
 * server started on a free loopback port. {@link #reset()} wipes its state between tests.
 */
public final class Emulator implements AutoCloseable {
    public static final String LOCALSTACK_IMAGE = "localstack/localstack:3.8.1";
    public static final String REGION = "us-east-1";
    /** The management account of the emulator's organization (moto's default account). */
    public static final String MANAGEMENT_ACCOUNT = "123456789012";
    /** The tag that gives an account created on moto (through cli/bin/moto_server.py) the ID it names. */
    public static final String ACCOUNT_ID_TAG = "crossrole-test:account-id";
    /**
     * The guardrails tests run under unless they set their own: every default, but accounts outside the organization
     * may be trusted without an external ID. moto gives the accounts it creates random IDs, so the fixed accounts most
     * tests use (111111111111, 222222222222, ...) are outside the emulator's organization. The guardrail tests run under
     * the defaults, with accounts the emulator's organization really holds.
     */
    public static final String FIXTURE_GUARDRAILS = "{\"trustedExternalAccounts\": [\"*\"], \"externalAccountsRequireExternalId\": false}";

    private final URI endpoint;
    private final String kind;
    private final AutoCloseable owned;

    private Emulator(URI endpoint, String kind, AutoCloseable owned) {
        this.endpoint = endpoint;
        this.kind = kind;
        this.owned = owned;
    }

    public URI endpoint() {
        return endpoint;
    }

    public String kind() {
        return kind;
    }

    /** The environment a Crossrole component sees when pointed at this emulator. */
    public Map<String, String> environment(String grantsTable, String assignmentsTable, String grantTargetsTable) {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_ENDPOINT_URL", endpoint.toString());
        env.put("AWS_REGION", REGION);
        env.put("AWS_ACCESS_KEY_ID", "testing");
        env.put("AWS_SECRET_ACCESS_KEY", "testing");
        env.put("GRANTS_TABLE", grantsTable);
        env.put("ASSIGNMENTS_TABLE", assignmentsTable);
        env.put("GRANT_TARGETS_TABLE", grantTargetsTable);
        env.put("NEW_ACCOUNT_READY_SECONDS", "0");
        env.put("ASSUME_ROLE_RETRY_SECONDS", "0");
        env.put("CROSSROLE_GUARDRAILS", FIXTURE_GUARDRAILS);
        // what the template sets from the stack's account: moto's management account, where Crossrole runs
        env.put("CROSSROLE_ACCOUNT_ID", MANAGEMENT_ACCOUNT);
        env.put("MANAGEMENT_ACCOUNT_ID", MANAGEMENT_ACCOUNT);
        return env;
    }

    /** Creates the emulator's organization (management account 123456789012) unless it exists. */
    public void createOrganization() {
        try (OrganizationsClient org = OrganizationsClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))).build()) {
            org.createOrganization(r -> r.featureSet(OrganizationFeatureSet.ALL));
        } catch (AlreadyInOrganizationException e) {
            // made already
        }
    }

    /**
     * Creates, under the organization's root, the accounts of these IDs it does not hold yet (moto's launcher,
     * cli/bin/moto_server.py, gives an account the ID its {@code crossrole-test:account-id} tag names).
     */
    public void createMembers(List<String> accountIds) {
        try (OrganizationsClient org = OrganizationsClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"))).build()) {
            Set<String> present = new HashSet<>();
            org.listAccountsPaginator(r -> { }).forEach(page -> page.accounts().forEach(a -> present.add(a.id())));
            for (String id : accountIds) {
                if (!present.contains(id)) {
                    org.createAccount(r -> r.accountName("member-" + id).email("member-" + id + "@example.com")
                            .tags(Tag.builder().key(ACCOUNT_ID_TAG).value(id).build()));
                }
            }
        }
    }

    /** Forgets every resource; moto and LocalStack both offer it. */
    public void reset() {
        for (String path : new String[] {"/moto-api/reset", "/_localstack/state/reset"}) {
            try {
                HttpURLConnection c = (HttpURLConnection) endpoint.resolve(path).toURL().openConnection();
                c.setRequestMethod("POST");
                c.setConnectTimeout(2000);
                c.setReadTimeout(30000);
                int code = c.getResponseCode();
                c.disconnect();
                if (code < 300) {
                    return;
                }
            } catch (IOException e) {
                // try the next kind
            }
        }
        throw new IllegalStateException("cannot reset the emulator at " + endpoint);
    }

    static Emulator start() {
        String external = System.getenv("AWS_ENDPOINT_URL");
        if (external != null && !external.isBlank()) {
            return new Emulator(URI.create(external), "external (AWS_ENDPOINT_URL)", null);
        }
        Emulator localstack = LocalStack.startIfDockerRuns();
        if (localstack != null) {
            return localstack;
        }
        return startMoto();
    }

    static Emulator localStack(URI endpoint, AutoCloseable container) {
        return new Emulator(endpoint, "LocalStack " + LOCALSTACK_IMAGE, container);
    }

    /**
     * Starts moto's server (through cli/bin/moto_server.py) on a free loopback port and waits until it answers; closing
     * the emulator stops it. For programs (benchmarks) that drive the test harness outside JUnit.
     *
     * <pre>{@code
     * try (Emulator moto = Emulator.startMoto()) { ... }
     * }</pre>
     */
    public static Emulator startMoto() {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port for moto", e);
        }
        Path log;
        Process process;
        try {
            log = Files.createTempFile("moto-", ".log");
            // cli/bin/moto_server.py: moto's server, with AWS managed policies built once per account instead of ten times
            ProcessBuilder pb = new ProcessBuilder("python3", TestFiles.repoRoot().resolve("cli/bin/moto_server.py").toString(),
                    "-H", "127.0.0.1", "-p", String.valueOf(port))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().put("MOTO_IAM_LOAD_MANAGED_POLICIES", "true");
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start moto server (python3 -m moto.server): " + e.getMessage(), e);
        }
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moto server exited with " + process.exitValue() + ": " + tail(log));
            }
            try {
                HttpURLConnection c = (HttpURLConnection) endpoint.resolve("/moto-api/").toURL().openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(2000);
                if (c.getResponseCode() < 500) {
                    c.disconnect();
                    Process p = process;
                    return new Emulator(endpoint, "moto server " + endpoint, () -> {
                        p.destroy();
                        if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                            p.destroyForcibly();
                        }
                    });
                }
            } catch (IOException e) {
                // not listening yet
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("moto server did not answer on " + endpoint + " within 60 s: " + tail(log));
    }

    private static String tail(Path log) {
        try (InputStream in = Files.newInputStream(log)) {
            String text = new String(in.readAllBytes());
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() throws Exception {
        if (owned != null) {
            owned.close();
        }
    }
}
