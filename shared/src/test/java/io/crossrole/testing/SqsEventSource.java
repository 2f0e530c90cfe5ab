package io.crossrole.testing;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Lambda's SQS event source, in process: receives batches of at most {@code batchSize} with every system attribute
 * (a FIFO queue's {@code MessageGroupId} among them), hands each to the function as the SQS event Lambda builds
 * (JSON read by the Lambda Java runtime's own serializer), deletes the messages the function did not report in
 * {@code batchItemFailures} and leaves those it did (or all, when it threw): they come back when their visibility
 * ends, and after the queue's receives they are in its dead-letter queue. Several pollers may run at once
 * ({@link #drain(Function, int)}), as Lambda's do; FIFO groups keep them apart.
 *
 * <pre>{@code
 * SqsEventSource source = new SqsEventSource(sqs, queueUrl, 10);
 * SqsEventSource.Drained d = source.drain(worker::consume);
 * }</pre>
 */
public final class SqsEventSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration IDLE_POLL = Duration.ofMillis(20);
    private static final Duration MAX_IDLE_POLL = Duration.ofMillis(640);
    /** How long a drain may last before it gives up: a test that loops on a message that never succeeds must end. */
    private static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(10);

    private final SqsClient sqs;
    private final String queueUrl;
    private final String queueArn;
    private final String region;
    private final int batchSize;
    private final Duration deadline;

    public SqsEventSource(SqsClient sqs, String queueUrl, int batchSize) {
        this(sqs, queueUrl, batchSize, DEFAULT_DEADLINE);
    }

    /** @param deadline how long one drain may last (a benchmark's rollout may take longer than a test's) */
    public SqsEventSource(SqsClient sqs, String queueUrl, int batchSize, Duration deadline) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        this.region = queueArn.split(":")[3];
        this.batchSize = batchSize;
        this.deadline = deadline;
    }

    /**
     * What a drain did.
     *
     * @param invocations function invocations (one per batch)
     * @param delivered   messages handed to the function, counting each redelivery
     * @param returned    messages the function returned (batch item failures, or every message of a batch it threw on)
     */
    public record Drained(int invocations, int delivered, int returned) {
    }

    /** A function as the event source sees it: a batch in, the IDs of the messages it returns out (it may throw). */
    @FunctionalInterface
    public interface BatchFunction {
        Set<String> invoke(List<Message> batch);
    }

    /** When a drain stops. */
    public enum Until {
        /** The queue holds nothing, visible or in flight: returned messages are delivered again. */
        EMPTY,
        /** No message is visible: returned messages are left for their retry (what {@code crossrole drain} does). */
        NONE_VISIBLE
    }

    /** One poller until the queue holds nothing, visible or in flight. */
    public Drained drain(Function<SQSEvent, SQSBatchResponse> function) {
        return drain(function, 1);
    }

    /** {@code pollers} pollers at once (Lambda's concurrency), until the queue holds nothing, visible or in flight. */
    public Drained drain(Function<SQSEvent, SQSBatchResponse> function, int pollers) {
        return drain(function, pollers, Integer.MAX_VALUE);
    }

    /**
     * As {@link #drain(Function, int)}, stopping after {@code maxInvocations} batches (then messages may be left):
     * for tests that deliver part of a queue, write something, and deliver the rest.
     */
    public Drained drain(Function<SQSEvent, SQSBatchResponse> function, int pollers, int maxInvocations) {
        return drainBatches(batch -> {
            SQSBatchResponse response = function.apply(event(batch));
            Set<String> failed = new HashSet<>();
            if (response != null && response.getBatchItemFailures() != null) {
                response.getBatchItemFailures().forEach(f -> failed.add(f.getItemIdentifier()));
            }
            return failed;
        }, pollers, maxInvocations, Until.EMPTY);
    }

    /** As {@link #drain(Function, int, int)}, for a function that takes the batch (e.g. as JSON, in another process). */
    public Drained drainBatches(BatchFunction function, int pollers, int maxInvocations, Until until) {
        AtomicInteger invocations = new AtomicInteger();
        AtomicInteger delivered = new AtomicInteger();
        AtomicInteger returned = new AtomicInteger();
        Instant stopAt = Instant.now().plus(deadline);
        try (ExecutorService pool = Executors.newFixedThreadPool(pollers)) {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < pollers; i++) {
                running.add(pool.submit(() -> {
                    Duration idle = IDLE_POLL;
                    while (Instant.now().isBefore(stopAt)) {
                        if (invocations.get() >= maxInvocations) {
                            return;
                        }
                        List<Message> batch = receive();
                        if (!batch.isEmpty()) {
                            idle = IDLE_POLL;
                            invocations.incrementAndGet();
                            delivered.addAndGet(batch.size());
                            returned.addAndGet(deliver(function, batch));
                            continue;
                        }
                        // another poller's batch is in flight until it completes, and what its invocation queues is
                        // visible or delayed: the queue's own counts say when the work is done, whatever the pollers do
                        if (until == Until.NONE_VISIBLE || isEmpty()) {
                            return;
                        }
                        // an idle poller backs off, as Lambda's long polling waits instead of asking again at once: 64
                        // pollers asking every 20 ms kept the emulator busy answering them instead of the workers
                        sleep(idle);
                        idle = idle.multipliedBy(2).compareTo(MAX_IDLE_POLL) > 0 ? MAX_IDLE_POLL : idle.multipliedBy(2);
                    }
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
            if (!Instant.now().isBefore(stopAt)) {
                throw new IllegalStateException("the drain of " + queueUrl + " did not end within " + deadline);
            }
        } catch (Exception e) {
            throw new IllegalStateException("draining " + queueUrl + ": " + e.getMessage(), e);
        }
        return new Drained(invocations.get(), delivered.get(), returned.get());
    }

    /** Receives one batch, as a poller does. */
    public List<Message> receive() {
        return sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(batchSize).waitTimeSeconds(0)
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
    }

    /** @return how many messages the function returned */
    private int deliver(BatchFunction function, List<Message> batch) {
        Set<String> failed = new HashSet<>();
        try {
            failed.addAll(function.invoke(batch));
        } catch (RuntimeException e) {
            batch.forEach(m -> failed.add(m.messageId()));
        }
        complete(batch, failed);
        return failed.size();
    }

    /** What the event source does after an invocation: deletes the batch's messages but those returned. */
    public void complete(List<Message> batch, Set<String> returned) {
        List<DeleteMessageBatchRequestEntry> done = batch.stream().filter(m -> !returned.contains(m.messageId()))
                .map(m -> DeleteMessageBatchRequestEntry.builder().id(m.messageId()).receiptHandle(m.receiptHandle()).build())
                .toList();
        if (!done.isEmpty()) {
            sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(done));
        }
    }

    /** True when the queue holds no message, visible, delayed or in flight. */
    public boolean isEmpty() {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        return a.values().stream().allMatch("0"::equals);
    }

    /** The SQS event Lambda hands the function for this batch. */
    public SQSEvent event(List<Message> batch) {
        return LambdaEventSerializers.serializerFor(SQSEvent.class, SqsEventSource.class.getClassLoader())
                .fromJson(new ByteArrayInputStream(eventJson(batch).getBytes(StandardCharsets.UTF_8)));
    }

    /** The event's JSON, as Lambda sends it (the shape of events/reconcile-worker/fifo-batch.json). */
    public String eventJson(List<Message> batch) {
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

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
