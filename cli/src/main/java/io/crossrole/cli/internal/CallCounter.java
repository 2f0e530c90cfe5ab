package io.crossrole.cli.internal;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/** Counts AWS calls by {@code Service:Operation}, for benchmarks. Retries of one call count once. */
public final class CallCounter implements ExecutionInterceptor {
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String call = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + ":"
                + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        counts.computeIfAbsent(call, k -> new AtomicLong()).incrementAndGet();
    }

    public long count(String call) {
        AtomicLong n = counts.get(call);
        return n == null ? 0 : n.get();
    }

    /** Calls of one service, e.g. "Iam", whose operation does not start with Get or List. */
    public long writes(String service) {
        return counts.entrySet().stream()
                .filter(e -> e.getKey().startsWith(service + ":"))
                .filter(e -> {
                    String op = e.getKey().substring(service.length() + 1);
                    return !op.startsWith("Get") && !op.startsWith("List") && !op.startsWith("Describe")
                            && !op.startsWith("Query") && !op.startsWith("Scan") && !op.startsWith("BatchGet");
                })
                .mapToLong(e -> e.getValue().get()).sum();
    }

    public long total(String service) {
        return counts.entrySet().stream().filter(e -> e.getKey().startsWith(service + ":")).mapToLong(e -> e.getValue().get()).sum();
    }

    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public void reset() {
        counts.clear();
    }
}
