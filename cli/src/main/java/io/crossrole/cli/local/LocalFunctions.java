package io.crossrole.cli.local;

import io.crossrole.cli.internal.LambdaArtifact;
import io.crossrole.cli.internal.LocalLambda;
import io.crossrole.cli.template.SamTemplate;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Starts the functions of template.yaml locally, the way Lambda's Java runtime runs them: the artifact at
 * the function's {@code CodeUri} unpacked as the task root, its {@code Handler}, and its
 * {@code Environment} with {@code !Ref}s resolved. The process environment overrides every variable;
 * a {@code !Ref} to a table otherwise resolves to the table's logical ID (the local table name), to a queue
 * to its local name ({@link LocalQueues#name}), to a parameter to its default.
 *
 * <pre>{@code
 * try (LocalLambda fn = new LocalFunctions(repo, template, System.getenv(), System.err).start("GrantStreamFunction")) {
 *     System.out.println(fn.invoke(eventJson).payload());
 * }
 * }</pre>
 */
public final class LocalFunctions {
    /** What Lambda itself puts in a function's environment: the execution role's credentials and the region. */
    private static final List<String> LAMBDA_PROVIDED = List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL");

    private final Path repo;
    private final SamTemplate template;
    private final Map<String, String> processEnv;
    private final OutputStream logs;

    public LocalFunctions(Path repo, SamTemplate template, Map<String, String> processEnv, OutputStream logs) {
        this.repo = repo;
        this.template = template;
        this.processEnv = processEnv;
        this.logs = logs;
    }

    public LocalLambda start(String logicalId) throws IOException {
        return start(logicalId, Map.of());
    }

    /** As {@link #start(String)}, with {@code extra} variables added to the function's environment. */
    public LocalLambda start(String logicalId, Map<String, String> extra) throws IOException {
        Map<String, Object> resource = template.resource(logicalId)
                .filter(r -> "AWS::Serverless::Function".equals(r.get("Type")))
                .orElseThrow(() -> new IllegalArgumentException("template.yaml has no function " + logicalId
                        + "; functions: " + template.resourcesOfType("AWS::Serverless::Function")));
        Map<String, Object> props = SamTemplate.map(resource.get("Properties"));
        String handler = String.valueOf(template.functionProperty(logicalId, "Handler")
                .orElseThrow(() -> new IllegalArgumentException(logicalId + " has no Handler")));
        Path artifact = repo.resolve(String.valueOf(template.functionProperty(logicalId, "CodeUri")
                .orElseThrow(() -> new IllegalArgumentException(logicalId + " has no CodeUri"))));
        if (!Files.isRegularFile(artifact)) {
            throw new IllegalStateException(logicalId + "'s artifact " + repo.relativize(artifact)
                    + " is not built; run ./crossrole build (or mvn package)");
        }
        int memory = template.functionProperty(logicalId, "MemorySize").map(v -> Integer.parseInt(String.valueOf(v))).orElse(128);
        int timeout = template.functionProperty(logicalId, "Timeout").map(v -> Integer.parseInt(String.valueOf(v))).orElse(3);
        return LocalLambda.start(LocalLambda.Spec.builder()
                .taskRoot(LambdaArtifact.extractToTemp(artifact))
                .handler(handler)
                .functionName(logicalId)
                .environment(withExtra(environment(props), extra))
                .runtimeClasspath(runtimeClasspath())
                .memoryMb(memory)
                .timeout(Duration.ofSeconds(timeout))
                .logs(logs)
                .build());
    }

    private static Map<String, String> withExtra(Map<String, String> env, Map<String, String> extra) {
        Map<String, String> out = new LinkedHashMap<>(env);
        out.putAll(extra);
        return out;
    }

    /** The function's variables with {@code !Ref}s resolved; the process environment wins. */
    public Map<String, String> environment(Map<String, Object> props) {
        Map<String, Object> vars = SamTemplate.map(SamTemplate.map(props.get("Environment")).get("Variables"));
        Map<String, String> out = new LinkedHashMap<>();
        LAMBDA_PROVIDED.stream().filter(processEnv::containsKey).forEach(name -> out.put(name, processEnv.get(name)));
        vars.forEach((name, value) -> {
            String resolved = processEnv.containsKey(name) ? processEnv.get(name) : resolve(value);
            if (resolved != null) {
                out.put(name, resolved);
            }
        });
        return out;
    }

    private String resolve(Object value) {
        if (value instanceof Map<?, ?> intrinsic) {
            Object ref = intrinsic.get("Ref");
            if (ref == null) {
                return null;
            }
            String name = String.valueOf(ref);
            if (processEnv.containsKey(name)) {
                return processEnv.get(name);
            }
            Map<String, Object> parameter = SamTemplate.map(template.parameters().get(name));
            if (!parameter.isEmpty()) {
                Object fallback = parameter.get("Default");
                return fallback == null ? null : String.valueOf(fallback);
            }
            LocalQueues queues = new LocalQueues(template);
            return queues.declares(name) ? queues.name(name) : template.resource(name).isPresent() ? name : null;
        }
        return value == null ? null : String.valueOf(value);
    }

    /** The Lambda runtime interface client and its libraries, copied by the CLI's build. */
    private List<Path> runtimeClasspath() throws IOException {
        Path dir = repo.resolve("cli/target/lambda-runtime");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("the Lambda runtime client is not in " + dir + "; run ./crossrole build");
        }
        try (Stream<Path> jars = Files.list(dir)) {
            return jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
