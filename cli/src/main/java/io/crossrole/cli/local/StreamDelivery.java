package io.crossrole.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crossrole.cli.internal.LocalLambda;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Delivers a DynamoDB stream to a function with the event source mapping's semantics: batches of at most
 * {@code batchSize} records in order; with {@code ReportBatchItemFailures}, the batch is retried from the
 * lowest failed sequence number; a failed invocation is retried whole, or bisected when
 * {@code BisectBatchOnFunctionError} is set; a record retried more than {@code maxRetries} times is dropped to
 * the on-failure destination (here: reported) so that the shard moves on.
 */
public final class StreamDelivery {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int batchSize;
    private final int maxRetries;
    private final boolean bisect;
    private final List<ObjectNode> pending = new ArrayList<>();
    private final Map<String, Integer> attempts = new HashMap<>();

    public StreamDelivery(int batchSize, int maxRetries, boolean bisect) {
        this.batchSize = batchSize;
        this.maxRetries = maxRetries;
        this.bisect = bisect;
    }

    public void add(List<ObjectNode> records) {
        pending.addAll(records);
    }

    public boolean isIdle() {
        return pending.isEmpty();
    }

    /** Delivers what is pending until done or a batch must wait for a retry; returns records delivered. */
    public int deliver(LocalLambda function, PrintStream progress) {
        int delivered = 0;
        while (!pending.isEmpty()) {
            List<ObjectNode> batch = List.copyOf(pending.subList(0, Math.min(batchSize, pending.size())));
            LocalLambda.Invocation result = function.invoke(StreamEvents.event(batch));
            delivered += batch.size();
            int retryFrom;
            if (result.failed()) {
                retryFrom = 0;
                progress.printf("  stream: %d record(s) → FAILED: %s%n", batch.size(), result.payload());
            } else {
                retryFrom = lowestFailure(batch, result.payload());
                progress.printf("  stream: %d record(s) → returned in %d ms%s%n", batch.size(), result.duration().toMillis(),
                        retryFrom < 0 ? "" : " (" + (batch.size() - retryFrom) + " to retry from the first failed record)");
            }
            if (retryFrom < 0) {
                pending.subList(0, batch.size()).clear();
                continue;
            }
            pending.subList(0, retryFrom).clear();
            ObjectNode first = pending.get(0);
            String sequence = sequence(first);
            int tries = attempts.merge(sequence, 1, Integer::sum);
            if (tries > maxRetries) {
                progress.printf("  stream: record %s (%s) failed %d times: sent to the on-failure destination%n", sequence,
                        first.path("eventName").asText(), tries);
                pending.remove(0);
                attempts.remove(sequence);
                continue;
            }
            if (result.failed() && bisect && batch.size() > 1) {
                progress.printf("  stream: bisecting the batch of %d%n", batch.size());
                List<ObjectNode> firstHalf = new ArrayList<>(batch.subList(0, batch.size() / 2));
                deliverAlone(firstHalf, function, progress);
                continue;
            }
            return delivered;
        }
        return delivered;
    }

    private void deliverAlone(List<ObjectNode> half, LocalLambda function, PrintStream progress) {
        StreamDelivery part = new StreamDelivery(half.size(), maxRetries, bisect);
        part.add(half);
        part.deliver(function, progress);
        if (part.isIdle()) {
            pending.subList(0, half.size()).clear();
        }
    }

    private static int lowestFailure(List<ObjectNode> batch, String payload) {
        Set<String> failed = new HashSet<>();
        try {
            JsonNode response = JSON.readTree(payload);
            response.path("batchItemFailures").forEach(f -> failed.add(f.path("itemIdentifier").asText()));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        for (int i = 0; i < batch.size(); i++) {
            if (failed.contains(sequence(batch.get(i)))) {
                return i;
            }
        }
        return -1;
    }

    private static String sequence(ObjectNode record) {
        return record.path("dynamodb").path("SequenceNumber").asText();
    }
}
