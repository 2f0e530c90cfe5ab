package io.crossrole.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.opentest4j.TestAbortedException;

/**
 * Gives a test class a running AWS emulator (one per test JVM, stopped at the end): the endpoint in
 * {@code AWS_ENDPOINT_URL} if set, else LocalStack via Testcontainers where Docker runs, else a moto server.
 * When none can start, the tests are skipped, except with {@code CI=true}, where they fail: an emulator
 * test must never be skipped silently in CI.
 *
 * <pre>{@code
 * @ExtendWith(AwsEmulatorExtension.class)
 * class GrantStreamIT {
 *     @BeforeEach void setUp(Emulator emulator) { emulator.reset(); }
 * }
 * }</pre>
 */
public final class AwsEmulatorExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(AwsEmulatorExtension.class);

    private record Holder(Emulator emulator) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws Throwable {
            emulator.close();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        emulator(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Emulator.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) throws ParameterResolutionException {
        return emulator(context);
    }

    private static Emulator emulator(ExtensionContext context) {
        System.setProperty("aws.accessKeyId", System.getProperty("aws.accessKeyId", "testing"));
        System.setProperty("aws.secretAccessKey", System.getProperty("aws.secretAccessKey", "testing"));
        System.setProperty("aws.region", System.getProperty("aws.region", Emulator.REGION));
        Object holder = context.getRoot().getStore(NS).getOrComputeIfAbsent("emulator", key -> {
            try {
                Emulator started = Emulator.start();
                System.err.println("[crossrole-tests] AWS emulator: " + started.kind());
                return new Holder(started);
            } catch (RuntimeException e) {
                return e;
            }
        });
        if (holder instanceof RuntimeException failure) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true and no AWS emulator could start: " + failure.getMessage(), failure);
            }
            throw new TestAbortedException("no AWS emulator could start (" + failure.getMessage() + "); skipped outside CI");
        }
        return ((Holder) holder).emulator();
    }
}
