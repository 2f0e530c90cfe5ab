package io.crossrole.reconcile;

import io.crossrole.failure.AwsFailures;
import io.crossrole.failure.ProvisioningException;
import io.crossrole.lambda.InvocationMetrics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * Sends reconcile requests to the FIFO reconcile queues: message group = the account the work happens in,
 * deduplication ID = the key and the asking event (so a redelivered event collapses, a new one never does).
 *
 * <p>Two lanes, one per queue, both served by the worker: a change that reaches more than {@link #BULK_ACCOUNTS}
 * accounts (an OU or root grant, a repair over many accounts) goes to the bulk queue, anything smaller (a one-account
 * grant, a joining account's grants) to the reconcile queue, so it is not queued behind a rollout of thousands.
 * Within a lane one account's requests are applied in order; across lanes they may run at once, which is safe
 * because a request carries no state: the worker reads the grant and the account as they are, and its writes are
 * idempotent and ownership-checked.
 *
 * <p>Batches of ten; a fan-out that names each account once is sent eight batches at a time. Entries SQS refuses
 * for a passing reason are sent again, a few times, before the producer's invocation fails so that its event is
 * retried.
 *
 * <pre>{@code
 * queue.send(List.of(new ReconcileRequest(key, "stream", record.getEventID(), Optional.empty())));
 * }</pre>
 */
public final class ReconcileQueue {
    /** A send over more accounts than this goes to the bulk lane. */
    public static final int BULK_ACCOUNTS = 20;
    private static final int BATCH = 10;
    private static final int ROUNDS = 5;
    /** SendMessageBatch calls one send makes at once when no two batches share a message group. */
    public static final int PARALLEL_BATCHES = 8;

    /** Which queue a send goes to. */
    public enum Lane { EXPRESS, BULK }

    private final SqsClient sqs;
    private final String queue;
    private final String bulkQueue;
    private final InvocationMetrics metrics;
    private final Map<String, String> urls = new ConcurrentHashMap<>();

    /**
     * @param queue     the reconcile queue's URL, or its name (resolved once); {@code null} when none is configured (then
     *                  sending anything fails, naming the variable)
     * @param bulkQueue the bulk queue's URL or name; {@code null}: fan-outs go to the reconcile queue too
     */
    public ReconcileQueue(SqsClient sqs, String queue, String bulkQueue, InvocationMetrics metrics) {
        this.sqs = sqs;
        this.queue = queue;
        this.bulkQueue = bulkQueue;
        this.metrics = metrics;
    }

    /** The lane a send of these requests takes. */
    public static Lane laneOf(Collection<ReconcileRequest> requests) {
        return requests.stream().map(ReconcileRequest::groupId).distinct().count() > BULK_ACCOUNTS ? Lane.BULK : Lane.EXPRESS;
    }

    /** @throws ProvisioningException (retryable) when some requests could not be queued */
    public void send(Collection<ReconcileRequest> requests) {
        List<ReconcileRequest> all = List.copyOf(requests);
        if (all.isEmpty()) {
            return;
        }
        Lane lane = laneOf(all);
        String url = url(lane == Lane.BULK && bulkQueue != null ? bulkQueue : queue);
        List<Map<String, SendMessageBatchRequestEntry>> batches = new ArrayList<>();
        for (int i = 0; i < all.size(); i += BATCH) {
            Map<String, SendMessageBatchRequestEntry> entries = new LinkedHashMap<>();
            for (ReconcileRequest r : all.subList(i, Math.min(all.size(), i + BATCH))) {
                String id = "m" + entries.size();
                entries.put(id, SendMessageBatchRequestEntry.builder().id(id).messageBody(r.toJson())
                        .messageGroupId(r.groupId()).messageDeduplicationId(r.deduplicationId()).build());
            }
            batches.add(entries);
        }
        boolean oneEach = all.stream().map(ReconcileRequest::groupId).distinct().count() == all.size();
        if (oneEach && batches.size() > 1) {
            sendInParallel(url, batches);
        } else {
            batches.forEach(b -> sendBatch(url, b));
        }
        metrics.add(lane == Lane.BULK ? "ReconcileRequestsQueuedBulk" : "ReconcileRequestsQueued", all.size());
    }

    /** Batches whose groups appear in no other batch: their order does not matter, so they go at once. */
    private void sendInParallel(String url, List<Map<String, SendMessageBatchRequestEntry>> batches) {
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL_BATCHES, batches.size()))) {
            List<Future<?>> sent = batches.stream().map(b -> pool.submit(() -> sendBatch(url, b))).<Future<?>>map(f -> f).toList();
            for (Future<?> f : sent) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProvisioningException.retryable("interrupted while queueing reconcile requests", e);
        }
    }

    private void sendBatch(String url, Map<String, SendMessageBatchRequestEntry> entries) {
        Map<String, SendMessageBatchRequestEntry> left = entries;
        String why = "";
        for (int round = 0; round < ROUNDS && !left.isEmpty(); round++) {
            Collection<SendMessageBatchRequestEntry> batch = left.values();
            SendMessageBatchResponse response;
            try {
                response = sqs.sendMessageBatch(r -> r.queueUrl(url).entries(batch));
            } catch (RuntimeException e) {
                throw new ProvisioningException("cannot queue reconcile requests: " + AwsFailures.message(e), AwsFailures.isRetryable(e), e);
            }
            Map<String, SendMessageBatchRequestEntry> failed = new LinkedHashMap<>();
            for (var f : response.failed()) {
                if (f.senderFault()) {
                    throw ProvisioningException.permanent("the reconcile queue refused a request: " + f.code() + ": " + f.message(), null);
                }
                failed.put(f.id(), left.get(f.id()));
                why = f.code() + ": " + f.message();
            }
            left = failed;
        }
        if (!left.isEmpty()) {
            throw ProvisioningException.retryable("cannot queue " + left.size() + " reconcile request(s): " + why, null);
        }
    }

    private String url(String configured) {
        if (configured == null) {
            throw new IllegalStateException("Crossrole configuration: RECONCILE_QUEUE_URL is not set (the queue every change goes through)");
        }
        return urls.computeIfAbsent(configured, q -> q.startsWith("http") ? q : sqs.getQueueUrl(r -> r.queueName(q)).queueUrl());
    }
}
