package io.crossrole.cli.local;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * A moto server (the AWS emulator preinstalled as Python's {@code moto}) on a free loopback port, with AWS
 * managed policies loaded. Stopped by {@link #close()}.
 */
public final class MotoServer implements AutoCloseable {
    private final Process process;
    private final URI endpoint;

    private MotoServer(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    /**
     * @param repo            the repository, whose cli/bin/moto_server.py starts moto's server with AWS managed policies
     *                        built once per account (moto alone builds them ten times: a second per new account)
     * @param managedPolicies load AWS managed policies into every account (needed to attach them)
     */
    public static MotoServer start(Path repo, boolean managedPolicies) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path log = Files.createTempFile("crossrole-moto-", ".log");
        ProcessBuilder pb = new ProcessBuilder("python3", repo.resolve("cli/bin/moto_server.py").toString(),
                "-H", "127.0.0.1", "-p", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("MOTO_IAM_LOAD_MANAGED_POLICIES", String.valueOf(managedPolicies));
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot start the AWS emulator (python3 cli/bin/moto_server.py): " + e.getMessage()
                    + ". Install moto[server] (pip install 'moto[server]') or set AWS_ENDPOINT_URL to a running emulator", e);
        }
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("moto server exited: " + Files.readString(log));
            }
            try {
                HttpURLConnection c = (HttpURLConnection) endpoint.resolve("/moto-api/").toURL().openConnection();
                c.setConnectTimeout(500);
                if (c.getResponseCode() < 500) {
                    return new MotoServer(process, endpoint);
                }
            } catch (IOException notYet) {
                // still starting
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        process.destroyForcibly();
        throw new IOException("moto server did not start within 60 s; log: " + log);
    }

    public URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
