package io.crossrole.reconcile;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.failure.AwsFailures;
import io.crossrole.lambda.InvocationMetrics;
import io.crossrole.org.OrganizationView;
import io.crossrole.store.GrantRecord;
import io.crossrole.store.GrantStore;
import io.crossrole.sts.Backoff;
import io.crossrole.wiring.Wiring;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Consumes a batch of the FIFO reconcile queue: reads the batch's grants once (strongly consistent), then reconciles
 * each message in order. A message stopped by a passing fault is returned as a batch item failure, and so is every
 * later message of its group in the batch (FIFO: work on one account stays in order); they come back after a
 * backoff that doubles with each receive. A message that cannot be read is returned alone, visible again at once:
 * after the queue's receives it is in the dead-letter queue, and the rest of its group goes on meanwhile (a message
 * carries no state, so nothing depends on its order).
 *
 * <pre>{@code
 * SQSBatchResponse response = worker.consume(sqsEvent);
 * }</pre>
 */
public final class ReconcileWorker {
    private static final Logger LOG = LoggerFactory.getLogger(ReconcileWorker.class);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final Reconciler reconciler;
    private final GrantStore grants;
    private final Supplier<OrganizationView> organization;
    private final SqsClient sqs;
    private final Duration retry;
    private final InvocationMetrics metrics;
    private final Clock clock;
    private final List<String> queues;
    private final Map<String, String> urlByName = new ConcurrentHashMap<>();

    /**
     * @param queues the queues it consumes (URLs or names): a retried message's visibility is set on the queue its
     *               {@code eventSourceARN} names
     */
    public ReconcileWorker(Reconciler reconciler, GrantStore grants, Supplier<OrganizationView> organization, SqsClient sqs,
                           List<String> queues, Duration retry, InvocationMetrics metrics, Clock clock) {
        this.reconciler = reconciler;
        this.grants = grants;
        this.organization = organization;
        this.sqs = sqs;
        this.queues = List.copyOf(queues);
        this.retry = retry;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Wires the worker from configuration: what the Lambda handler's constructor calls. */
    public static ReconcileWorker create(CrossroleConfig config, AwsClientFactory clients, String sessionName, Backoff backoff, Clock clock) {
        Wiring w = Wiring.of(config, clients, sessionName, backoff, clock);
        List<String> queues = new ArrayList<>();
        queues.add(config.reconcileQueue().orElseThrow(() -> new IllegalStateException(
                "Crossrole configuration: RECONCILE_QUEUE_URL is not set (the worker returns failed messages to it)")));
        config.reconcileBulkQueue().ifPresent(queues::add);
        return new ReconcileWorker(Reconciler.create(w, clients, backoff, clock), w.grants(), w::organization, w.sqs(), queues,
                config.reconcileRetry(), w.metrics(), clock);
    }

    public InvocationMetrics metrics() {
        return metrics;
    }

    public SQSBatchResponse consume(SQSEvent event) {
        List<SQSEvent.SQSMessage> messages = event == null || event.getRecords() == null ? List.of() : event.getRecords();
        Map<SQSEvent.SQSMessage, ReconcileRequest> requests = new LinkedHashMap<>();
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (SQSEvent.SQSMessage m : messages) {
            try {
                requests.put(m, ReconcileRequest.parse(m.getBody()));
            } catch (IllegalArgumentException e) {
                LOG.error("reconcile message {} cannot be read ({}); it goes back to the queue, then to the dead-letter queue",
                        m.getMessageId(), e.getMessage());
                metrics.increment("ReconcileMessagesUnreadable");
            }
        }
        Map<String, GrantRecord> current;
        try {
            current = grants.current(requests.values().stream().map(r -> r.key().grantId()).toList());
        } catch (RuntimeException e) {
            LOG.error("cannot read the batch's grants; every message will be retried: {}", AwsFailures.message(e));
            messages.forEach(m -> failures.add(failure(m)));
            return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
        }
        OrganizationView org = organization.get();
        Map<String, Integer> failedGroups = new HashMap<>();
        for (SQSEvent.SQSMessage m : messages) {
            ReconcileRequest request = requests.get(m);
            String group = group(m, request);
            if (failedGroups.containsKey(group)) {
                LOG.info("reconcile message {} waits behind its group {}, whose earlier message will be retried", m.getMessageId(), group);
                failures.add(failure(m));
                delay(m, failedGroups.get(group));
                continue;
            }
            if (request == null) {
                // it can never succeed: back at once, so that its receives run out quickly; its group goes on
                failures.add(failure(m));
                delay(m, 0);
                continue;
            }
            boolean retry;
            try {
                retry = reconciler.reconcile(request, current.get(request.key().grantId()), org,
                        firstAttempt(m)).retry();
            } catch (RuntimeException e) {
                LOG.error("grantId={} reconcile of {} failed unexpectedly; it will be retried", request.key().grantId(),
                        request.key().assignmentKey().stored(), e);
                retry = true;
            }
            if (retry) {
                metrics.increment("ReconcileRequestsRetried");
                int seconds = backoffSeconds(m);
                LOG.info("grantId={} reconcile of {} will be retried in {} s", request.key().grantId(),
                        request.key().assignmentKey().stored(), seconds);
                failedGroups.put(group, seconds);
                failures.add(failure(m));
                delay(m, seconds);
            } else {
                metrics.increment("ReconcileRequestsDone");
            }
        }
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }

    /** A backoff that doubles with each receive, from RECONCILE_RETRY_SECONDS up to five minutes. */
    private int backoffSeconds(SQSEvent.SQSMessage m) {
        int receives = attribute(m, "ApproximateReceiveCount").map(Integer::parseInt).orElse(1);
        return (int) Math.min(MAX_BACKOFF.toSeconds(), retry.toSeconds() << Math.min(Math.max(receives - 1, 0), 10));
    }

    /**
     * Sets when a returned message comes back: its group is blocked while it is invisible (FIFO), so the messages
     * returned behind a failed one come back with it rather than after the queue's visibility timeout.
     */
    private void delay(SQSEvent.SQSMessage m, int seconds) {
        if (m.getReceiptHandle() == null) {
            return;
        }
        try {
            sqs.changeMessageVisibility(r -> r.queueUrl(urlOf(m)).receiptHandle(m.getReceiptHandle()).visibilityTimeout(seconds));
        } catch (RuntimeException e) {
            LOG.warn("cannot delay reconcile message {}: {}; it comes back after the queue's visibility timeout",
                    m.getMessageId(), AwsFailures.message(e));
        }
    }

    private Instant firstAttempt(SQSEvent.SQSMessage m) {
        return attribute(m, "SentTimestamp").map(t -> Instant.ofEpochMilli(Long.parseLong(t))).orElse(clock.instant());
    }

    private static String group(SQSEvent.SQSMessage m, ReconcileRequest request) {
        return attribute(m, "MessageGroupId").orElse(request == null ? m.getMessageId() : request.groupId());
    }

    private static Optional<String> attribute(SQSEvent.SQSMessage m, String name) {
        return Optional.ofNullable(m.getAttributes()).map(a -> a.get(name));
    }

    private static SQSBatchResponse.BatchItemFailure failure(SQSEvent.SQSMessage m) {
        return SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(m.getMessageId()).build();
    }

    /** The URL of the queue a message came from: the configured queue its event source ARN names (else the first). */
    private String urlOf(SQSEvent.SQSMessage m) {
        String arn = m.getEventSourceArn() == null ? "" : m.getEventSourceArn();
        String name = arn.substring(arn.lastIndexOf(':') + 1);
        String configured = queues.stream().filter(q -> q.equals(name) || q.endsWith("/" + name)).findFirst().orElse(queues.get(0));
        return urlByName.computeIfAbsent(configured, q -> q.startsWith("http") ? q : sqs.getQueueUrl(r -> r.queueName(q)).queueUrl());
    }
}
