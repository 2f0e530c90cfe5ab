package io.crossrole.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.api.client.AWSLambda;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalLambdaTest {

    private static final String ECHO = """
            package fn;

            import com.amazonaws.services.lambda.runtime.Context;
            import com.amazonaws.services.lambda.runtime.RequestHandler;
            import java.util.Map;
            import java.util.TreeMap;
            import java.util.TreeSet;

            public class Echo implements RequestHandler<Map<String, Object>, Map<String, Object>> {
                @Override
                public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
                    context.getLogger().log("echoing " + event);
                    if (event.get("sleepMs") instanceof Number millis) {
                        try {
                            Thread.sleep(millis.longValue());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    Map<String, Object> response = new TreeMap<>(event);
                    response.put("greeting", System.getenv("GREETING"));
                    response.put("pid", ProcessHandle.current().pid());
                    response.put("envNames", String.join(",", new TreeSet<>(System.getenv().keySet())));
                    response.put("classLoader", getClass().getClassLoader().getClass().getName());
                    response.put("classPath", System.getProperty("java.class.path"));
                    response.put("functionArn", context.getInvokedFunctionArn());
                    return response;
                }
            }
            """;

    private static final String BOOM = """
            package fn;

            import com.amazonaws.services.lambda.runtime.Context;
            import com.amazonaws.services.lambda.runtime.RequestHandler;
            import java.util.Map;

            public class Boom implements RequestHandler<Map<String, Object>, Map<String, Object>> {
                @Override
                public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
                    throw new IllegalStateException("boom: " + event.get("why"));
                }
            }
            """;

    @TempDir
    static Path temp;

    private static Path taskRoot;
    private static List<Path> runtimeClasspath;

    @BeforeAll
    static void buildArtifact() throws IOException {
        runtimeClasspath = List.of(jarOf(AWSLambda.class), jarOf(PojoSerializer.class), jarOf(Context.class));
        Path sources = Files.createDirectories(temp.resolve("src/fn"));
        Files.writeString(sources.resolve("Echo.java"), ECHO);
        Files.writeString(sources.resolve("Boom.java"), BOOM);
        Path classes = Files.createDirectories(temp.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int status = javac.run(null, null, null, "--release", "21", "-classpath", jarOf(Context.class).toString(),
                "-d", classes.toString(), sources.resolve("Echo.java").toString(),
                sources.resolve("Boom.java").toString());
        assertThat(status).as("javac exit status").isZero();

        Path boomJar = temp.resolve("boom.jar");
        try (ZipOutputStream jar = new ZipOutputStream(Files.newOutputStream(boomJar))) {
            add(jar, "fn/Boom.class", Files.readAllBytes(classes.resolve("fn/Boom.class")));
        }
        Path zip = temp.resolve("function.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            add(out, "fn/Echo.class", Files.readAllBytes(classes.resolve("fn/Echo.class")));
            add(out, "lib/boom.jar", Files.readAllBytes(boomJar));
        }
        taskRoot = LambdaArtifact.extract(zip, temp.resolve("task"));
    }

    @Test
    void servesSequentialInvocationsFromOneWarmChildThatLoadsTheFunctionFromTheTaskRoot() throws IOException {
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        try (LocalLambda lambda = LocalLambda.start(spec("fn.Echo::handleRequest", Duration.ofSeconds(10), logs))) {
            LocalLambda.Invocation first = lambda.invoke("{\"name\":\"first\",\"count\":1}");
            LocalLambda.Invocation second = lambda.invoke("{\"name\":\"second\"}");

            assertThat(first.failed()).as(first.payload()).isFalse();
            assertThat(first.payload()).contains("\"name\":\"first\"", "\"count\":1", "\"greeting\":\"hello\"",
                    "\"functionArn\":\"arn:aws:lambda:us-east-1:123456789012:function:echo\"",
                    "\"classLoader\":\"com.amazonaws.services.lambda.runtime.api.client.CustomerClassLoader\"");
            assertThat(field(first.payload(), "classPath")).doesNotContain(taskRoot.toString());
            assertThat(second.failed()).as(second.payload()).isFalse();
            assertThat(second.payload()).contains("\"name\":\"second\"");
            assertThat(second.requestId()).isNotEqualTo(first.requestId());
            assertThat(field(second.payload(), "pid")).isEqualTo(field(first.payload(), "pid"));

            assertThat(Arrays.asList(field(first.payload(), "envNames").split(",")))
                    .contains("AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "_HANDLER", "AWS_REGION", "TZ")
                    .allMatch(name -> name.startsWith("AWS_")
                            || Set.of("PATH", "HOME", "LAMBDA_TASK_ROOT", "_HANDLER", "TZ", "LANG", "GREETING")
                                    .contains(name), "only Lambda's, the caller's AWS and the function's variables");
        }
        assertThat(logs.toString(StandardCharsets.UTF_8))
                .contains("START RequestId: ", "echoing {name=first, count=1}", "REPORT RequestId: ");
    }

    @Test
    void reportsAnUnhandledExceptionAndStaysWarm() throws IOException {
        try (LocalLambda lambda = LocalLambda.start(spec("fn.Boom", Duration.ofSeconds(10),
                OutputStream.nullOutputStream()))) {
            LocalLambda.Invocation first = lambda.invoke("{\"why\":\"testing\"}");
            LocalLambda.Invocation second = lambda.invoke("{\"why\":\"again\"}");

            assertThat(first.failed()).isTrue();
            assertThat(first.payload()).contains("\"errorMessage\":\"boom: testing\"",
                    "\"errorType\":\"java.lang.IllegalStateException\"", "\"stackTrace\"");
            assertThat(second.failed()).isTrue();
            assertThat(second.payload()).contains("boom: again");
        }
    }

    @Test
    void reportsAMissingHandlerClassAsAnInitErrorPromptly() throws IOException {
        try (LocalLambda lambda = LocalLambda.start(spec("fn.Missing::handleRequest", Duration.ofSeconds(3),
                OutputStream.nullOutputStream()))) {
            LocalLambda.Invocation invocation = lambda.invoke("{}");

            assertThat(invocation.failed()).isTrue();
            assertThat(invocation.payload()).contains("fn.Missing", "ClassNotFoundException");
            assertThat(invocation.duration()).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void run_ofTheFirstInvocation_coversTheHandlerButNotInit() throws IOException {
        long beforeStart = System.nanoTime();
        try (LocalLambda lambda = LocalLambda.start(spec("fn.Echo::handleRequest", Duration.ofSeconds(5),
                OutputStream.nullOutputStream()))) {
            // INIT runs from start(); the part of it before invoke() is not in the call's wall time
            Duration beforeInvoke = Duration.ofNanos(System.nanoTime() - beforeStart);
            LocalLambda.Invocation first = lambda.invoke("{\"sleepMs\":300}");
            Duration init = lambda.initDuration().orElseThrow();

            assertThat(first.failed()).as(first.payload()).isFalse();
            assertThat(first.run()).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThat(first.duration().minus(first.run())).as("the call's wall time beyond the run is INIT")
                    .isGreaterThan(init.minus(beforeInvoke).minusMillis(50));
        }
    }

    @Test
    void timesOutAndReplacesTheChildForTheNextInvocation() throws IOException {
        try (LocalLambda lambda = LocalLambda.start(spec("fn.Echo::handleRequest", Duration.ofSeconds(1),
                OutputStream.nullOutputStream()))) {
            LocalLambda.Invocation warmup = lambda.invoke("{}");
            LocalLambda.Invocation slow = lambda.invoke("{\"sleepMs\":5000}");
            LocalLambda.Invocation next = lambda.invoke("{}");

            assertThat(slow.failed()).isTrue();
            assertThat(slow.payload()).contains("Sandbox.Timedout", "Task timed out after 1.00 seconds");
            assertThat(slow.duration()).isLessThan(Duration.ofSeconds(3));
            assertThat(next.failed()).as(next.payload()).isFalse();
            assertThat(field(next.payload(), "pid")).isNotEqualTo(field(warmup.payload(), "pid"));
        }
    }

    @Test
    void rejectsZipEntriesThatEscapeTheTargetDirectory() throws IOException {
        Path zip = temp.resolve("evil.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            add(out, "../evil.txt", new byte[] {1});
        }

        assertThatThrownBy(() -> LambdaArtifact.extract(zip, temp.resolve("evil")))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("escapes");
        assertThat(temp.resolve("evil.txt")).doesNotExist();
    }

    private static LocalLambda.Spec spec(String handler, Duration timeout, OutputStream logs) {
        return LocalLambda.Spec.builder()
                .taskRoot(taskRoot)
                .handler(handler)
                .functionName("echo")
                .environment(Map.of("GREETING", "hello", "AWS_REGION", "us-east-1"))
                .runtimeClasspath(runtimeClasspath)
                .memoryMb(256)
                .timeout(timeout)
                .logs(logs)
                .build();
    }

    private static String field(String json, String name) {
        Matcher matcher = Pattern.compile("\"" + name + "\":(?:\"([^\"]*)\"|([^,}]*))").matcher(json);
        assertThat(matcher.find()).as("%s in %s", name, json).isTrue();
        return matcher.group(1) != null ? matcher.group(1) : matcher.group(2);
    }

    private static void add(ZipOutputStream zip, String name, byte[] content) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(content);
        zip.closeEntry();
    }

    private static Path jarOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
