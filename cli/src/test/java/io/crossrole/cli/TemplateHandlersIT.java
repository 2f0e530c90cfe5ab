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
import java.util.List;
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
}
