package io.crossrole.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crossrole.cli.internal.LocalLambda;
import java.io.IOException;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Delivers a queue's messages to a function the way Lambda's SQS event source does: batches of at most
 * {@code batchSize}, each as an SQS event; messages the function reports in {@code batchItemFailures}, or of
 * an invocation that failed, stay in the queue (they come back after the visibility timeout); the others are
 * deleted.
 */
public final class QueueDelivery {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SqsClient sqs;
    private final String queueUrl;
    private final String queueArn;
    private final String region;
    private final int batchSize;

    public QueueDelivery(SqsClient sqs, String queueUrl, String queueArn, String region, int batchSize) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.queueArn = queueArn;
        this.region = region;
        this.batchSize = batchSize;
    }

    /** The outcome of draining: messages delivered, and how many were left for a retry. */
    public record Drained(int delivered, int failed) {
    }

    /** Delivers until the queue answers empty; a message that keeps failing is not redelivered in this call. */
    public Drained drain(LocalLambda function, PrintStream progress) {
        int delivered = 0;
        int failed = 0;
        Set<String> seen = new HashSet<>();
        while (true) {
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(batchSize)
                    .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            batch = batch.stream().filter(m -> seen.add(m.messageId())).toList();
            if (batch.isEmpty()) {
                return new Drained(delivered, failed);
            }
            LocalLambda.Invocation result = function.invoke(event(batch));
            Set<String> retry = new HashSet<>();
            if (result.failed()) {
                batch.forEach(m -> retry.add(m.messageId()));
            } else {
                retry.addAll(failures(result.payload()));
            }
            List<Message> done = batch.stream().filter(m -> !retry.contains(m.messageId())).toList();
            if (!done.isEmpty()) {
                sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(done.stream()
                        .map(m -> software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry.builder()
                                .id(m.messageId()).receiptHandle(m.receiptHandle()).build()).toList()));
            }
            delivered += batch.size();
            failed += retry.size();
            progress.printf("  delivered %d message%s: %s in %d ms%s%n", batch.size(), batch.size() == 1 ? "" : "s",
                    result.failed() ? "FAILED" : "returned", result.duration().toMillis(),
                    retry.isEmpty() ? "" : " (" + retry.size() + " left in the queue for a retry)");
        }
    }

    private String event(List<Message> batch) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode records = root.putArray("Records");
        for (Message m : batch) {
            ObjectNode r = records.addObject();
            r.put("messageId", m.messageId());
            r.put("receiptHandle", m.receiptHandle());
            r.put("body", m.body());
            ObjectNode attributes = r.putObject("attributes");
            m.attributesAsStrings().forEach(attributes::put);
            r.putObject("messageAttributes");
            r.put("md5OfBody", m.md5OfBody());
            r.put("eventSource", "aws:sqs");
            r.put("eventSourceARN", queueArn);
            r.put("awsRegion", region);
        }
        return root.toString();
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
