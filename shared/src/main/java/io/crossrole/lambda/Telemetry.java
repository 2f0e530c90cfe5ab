package io.crossrole.lambda;

import io.crossrole.config.CrossroleConfig;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.lambda.powertools.metrics.MetricsFactory;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/**
 * Where metrics go: the one place that publishes them. In Lambda, one Embedded Metric Format document per call, in
 * the function's log (and so in CloudWatch, namespace {@code Crossrole}). Anywhere else (tests, the CLI, benchmarks)
 * the same figures are a DEBUG log line: EMF documents printed on standard output would bury what a person reads
 * there, and the EMF library would otherwise probe for a CloudWatch agent or instance metadata.
 *
 * <pre>{@code
 * Telemetry.publish(DimensionSet.of("Service", "crossrole", "Function", "crossrole-reconcile"),
 *         Map.of("AssignmentsProvisioned", 3L), Map.of());
 * }</pre>
 */
public final class Telemetry {
    private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);
    private static volatile boolean emf;

    private Telemetry() {
    }

    public static void configure(CrossroleConfig config) {
        emf = config.inLambda();
    }

    /** Publishes counts (and durations in milliseconds, which may be empty) under the dimensions, as one document. */
    public static void publish(DimensionSet dimensions, Map<String, Long> counts, Map<String, Long> milliseconds) {
        if (counts.isEmpty() && milliseconds.isEmpty()) {
            return;
        }
        if (!emf) {
            LOG.debug("metrics {} counts {} milliseconds {}", dimensions.getDimensions(), counts, milliseconds);
            return;
        }
        MetricsFactory.getMetricsInstance().flushMetrics(m -> {
            m.setNamespace("Crossrole");
            m.setDefaultDimensions(dimensions);
            counts.forEach((name, value) -> m.addMetric(name, value, MetricUnit.COUNT));
            milliseconds.forEach((name, value) -> m.addMetric(name, value, MetricUnit.MILLISECONDS));
        });
    }
}
