package io.crossrole.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.cli.internal.LambdaArtifact;
import io.crossrole.cli.template.SamTemplate;
import io.crossrole.testing.TestFiles;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every function in template.yaml can start: its CodeUri artifact exists (built by the package phase) and its
 * Handler names a class in that artifact with a public two-argument handleRequest, loaded the way Lambda does
 * (classes at the artifact's root, jars from lib/), without the CLI's own classpath.
 */
class TemplateHandlersIT {

    @Test
    void everyHandler_resolvesToAClassAndMethodInItsFunctionsArtifact() throws Exception {
        Path repo = TestFiles.repoRoot();
        SamTemplate template = SamTemplate.read(repo.resolve("template.yaml"));
        List<String> functions = template.resourcesOfType("AWS::Serverless::Function");
        assertThat(functions).contains("GrantStreamFunction", "AccountEventsFunction", "DriftCheckFunction", "DriftCheckWorkerFunction");
        for (String function : functions) {
            String handler = String.valueOf(template.functionProperty(function, "Handler").orElseThrow());
            Path artifact = repo.resolve(String.valueOf(template.functionProperty(function, "CodeUri").orElseThrow()));
            assertThat(artifact).as(function + " artifact").isRegularFile();
            assertThat(template.functionProperty(function, "Runtime")).as(function).contains("java25");
            Path root = LambdaArtifact.extractToTemp(artifact);
            List<URL> urls = new ArrayList<>();
            urls.add(root.toUri().toURL());
            try (Stream<Path> jars = Files.list(root.resolve("lib"))) {
                for (Path jar : jars.toList()) {
                    urls.add(jar.toUri().toURL());
                }
            }
            String className = handler.substring(0, handler.indexOf("::"));
            String methodName = handler.substring(handler.indexOf("::") + 2);
            try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
                Class<?> type = Class.forName(className, false, loader);
                assertThat(Arrays.stream(type.getMethods()).filter(m -> m.getName().equals(methodName)).map(Method::getParameterCount))
                        .as(function + " " + handler).contains(2);
                assertThat(type.getConstructor()).as(function + " needs a public no-argument constructor").isNotNull();
            }
            assertThat(Files.exists(root.resolve("lib").resolve("apache-client-2.40.2.jar"))).as("no Apache client").isFalse();
            try (Stream<Path> jars = Files.list(root.resolve("lib"))) {
                assertThat(jars.map(p -> p.getFileName().toString()))
                        .noneMatch(n -> n.startsWith("apache-client") || n.startsWith("netty-nio-client") || n.startsWith("slf4j-simple"));
            }
        }
    }

    /**
     * Each artifact ships only the SDK services its function uses, so a class the handler can reach that refers to a class missing from the artifact would fail at run time
     * with NoClassDefFoundError. Every reference of every Crossrole class reachable from the handler (by jdeps,
     * through the constant pools: calls, fields, types, lambdas) must resolve inside the artifact or the JDK.
     */
    @Test
    void everyCrossroleClassAHandlerCanReach_resolvesAllItRefersToInsideItsArtifact() throws Exception {
        Path repo = TestFiles.repoRoot();
        SamTemplate template = SamTemplate.read(repo.resolve("template.yaml"));
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("jdeps (a JDK tool) is needed"));
        Map<String, Set<String>> shipsSqs = new HashMap<>();
        for (String function : template.resourcesOfType("AWS::Serverless::Function")) {
            String handler = String.valueOf(template.functionProperty(function, "Handler").orElseThrow());
            Path root = LambdaArtifact.extractToTemp(repo.resolve(String.valueOf(template.functionProperty(function, "CodeUri").orElseThrow())));
            List<String> inputs = new ArrayList<>(List.of(root.toString()));
            List<String> classpath = new ArrayList<>();
            try (Stream<Path> jars = Files.list(root.resolve("lib"))) {
                for (Path jar : jars.toList()) {
                    (jar.getFileName().toString().startsWith("crossrole-") ? inputs : classpath).add(jar.toString());
                }
            }
            java.io.StringWriter out = new java.io.StringWriter();
            List<String> args = new ArrayList<>(List.of("-verbose:class", "-filter:none", "--multi-release", "21",
                    "-cp", String.join(java.io.File.pathSeparator, classpath)));
            args.addAll(inputs);
            int rc = jdeps.run(new java.io.PrintWriter(out), new java.io.PrintWriter(out), args.toArray(String[]::new));
            assertThat(rc).as(out.toString()).isZero();

            Map<String, Set<String>> references = new HashMap<>();
            Set<String> missing = new HashSet<>();
            Matcher line = Pattern.compile("(?m)^\\s+(\\S+)\\s+->\\s+(\\S+)\\s+(.+)$").matcher(out.toString());
            while (line.find()) {
                references.computeIfAbsent(line.group(1), k -> new HashSet<>()).add(line.group(2));
                if (line.group(3).trim().equals("not found")) {
                    missing.add(line.group(2));
                }
            }
            Set<String> reachable = new HashSet<>();
            ArrayDeque<String> next = new ArrayDeque<>(List.of(handler.substring(0, handler.indexOf("::"))));
            while (!next.isEmpty()) {
                String type = next.poll();
                if (reachable.add(type)) {
                    references.getOrDefault(type, Set.of()).stream().filter(t -> t.startsWith("io.crossrole.")).forEach(next::add);
                }
            }
            assertThat(reachable).as(function + ": classes reachable from " + handler).hasSizeGreaterThan(20);
            Set<String> unresolved = new TreeSet<>();
            for (String type : reachable) {
                references.getOrDefault(type, Set.of()).stream().filter(missing::contains).forEach(t -> unresolved.add(type + " -> " + t));
            }
            assertThat(unresolved).as(function + ": references from reachable classes to classes not in its artifact").isEmpty();
            try (Stream<Path> jars = Files.list(root.resolve("lib"))) {
                shipsSqs.put(function, jars.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("sqs-"))
                        .collect(java.util.stream.Collectors.toSet()));
            }
        }
        assertThat(shipsSqs).as("every function queues reconcile requests, or consumes them").hasSize(5)
                .allSatisfy((function, jars) -> assertThat(jars).as(function).isNotEmpty());
    }
}
