package io.crossrole.lambda;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;

/**
 * Counts what one invocation did (assignments provisioned, failed, revoked, records retried, ...) and
 * publishes the counts as one Embedded Metric Format document, namespace {@code Crossrole}, dimensions
 * {@code Service=crossrole} and {@code Function}.
 */
public final class InvocationMetrics {
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    public void increment(String metric) {
        add(metric, 1);
    }

    public void add(String metric, long amount) {
        counts.computeIfAbsent(metric, k -> new AtomicLong()).addAndGet(amount);
    }

    /** Publishes and starts counting afresh; nothing is published for an invocation that counted nothing. */
    public void publish(String function) {
        Map<String, Long> snapshot = new TreeMap<>();
        counts.forEach((k, v) -> snapshot.put(k, v.getAndSet(0)));
        snapshot.values().removeIf(v -> v == 0);
        if (snapshot.isEmpty()) {
            return;
        }
        Telemetry.publish(DimensionSet.of("Service", "crossrole", "Function", function), snapshot, Map.of());
    }
}
