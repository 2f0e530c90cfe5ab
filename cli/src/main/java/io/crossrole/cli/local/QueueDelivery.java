package io.crossrole.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crossrole.cli.internal.LocalLambda;
import io.crossrole.testing.SqsEventSource;
import java.io.IOException;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.Set;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Delivers a queue's messages to a function running under the Lambda runtime client, the way Lambda's SQS event
 * source does ({@link SqsEventSource}): batches of at most {@code batchSize} with every system attribute (a FIFO
 * queue's message group among them); messages the function reports in {@code batchItemFailures}, or of an
 * invocation that failed, stay in the queue for their retry; the others are deleted.
 */
public final class QueueDelivery {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SqsEventSource source;

    public QueueDelivery(SqsClient sqs, String queueUrl, int batchSize) {
        this.source = new SqsEventSource(sqs, queueUrl, batchSize);
    }

    /** Delivers until no message is visible; messages returned for a retry are left in the queue. */
    public SqsEventSource.Drained drain(LocalLambda function, PrintStream progress) {
        return source.drainBatches(batch -> {
            LocalLambda.Invocation result = function.invoke(source.eventJson(batch));
            Set<String> retry = new HashSet<>();
            if (result.failed()) {
                batch.forEach(m -> retry.add(m.messageId()));
            } else {
                retry.addAll(failures(result.payload()));
            }
            progress.printf("  delivered %d message%s: %s in %d ms%s%n", batch.size(), batch.size() == 1 ? "" : "s",
                    result.failed() ? "FAILED" : "returned", result.duration().toMillis(),
                    retry.isEmpty() ? "" : " (" + retry.size() + " returned to the queue for a retry)");
            return retry;
        }, 1, Integer.MAX_VALUE, SqsEventSource.Until.NONE_VISIBLE);
    }

    /** True when the queue holds no message, visible or in flight. */
    public boolean isEmpty() {
        return source.isEmpty();
    }

    private static Set<String> failures(String payload) {
        Set<String> ids = new HashSet<>();
        try {
            JsonNode response = JSON.readTree(payload);
            response.path("batchItemFailures").forEach(f -> ids.add(f.path("itemIdentifier").asText()));
        } catch (IOException | RuntimeException e) {
            return ids;
        }
        return ids;
    }
}
