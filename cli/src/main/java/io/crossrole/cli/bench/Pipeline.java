package io.crossrole.cli.bench;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.producer.GrantStreamProducer;
import io.crossrole.reconcile.ReconcileWorker;
import io.crossrole.sts.Backoff;
import io.crossrole.testing.SqsEventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The grant stream and the reconcile worker in process, each wired as its function wires itself, with the reconcile
 * queue delivered as Lambda's SQS event source does. Each poller gets a worker of its own, as each Lambda instance
 * would (its own STS credentials cache), kept warm for the next drain.
 *
 * <pre>{@code
 * Pipeline pipeline = new Pipeline(config, clients, sqs);
 * pipeline.stream(event);       // queues one request per account
 * pipeline.reconcile(64);       // 64 workers drain the queue
 * }</pre>
 */
final class Pipeline {
    private final CrossroleConfig config;
    private final AwsClientFactory clients;
    private final GrantStreamProducer producer;
    private final SqsEventSource express;
    private final SqsEventSource bulk;
    private final Queue<ReconcileWorker> warm = new ConcurrentLinkedQueue<>();

    Pipeline(CrossroleConfig config, AwsClientFactory clients, SqsClient sqs) {
        this.config = config;
        this.clients = clients;
        this.producer = GrantStreamProducer.create(config, clients, "crossrole-grant-stream", Backoff.standard(Duration.ZERO),
                Clock.systemUTC());
        this.express = source(sqs, config.reconcileQueue().orElseThrow(() -> new IllegalStateException("RECONCILE_QUEUE_URL is not set")));
        this.bulk = source(sqs, config.reconcileBulkQueue().orElseThrow(() -> new IllegalStateException("RECONCILE_BULK_QUEUE_URL is not set")));
    }

    /** One stream batch through GrantStreamFunction's code; a batch item failure is an error here. */
    void stream(DynamodbEvent event) {
        StreamsEventResponse response = producer.process(event);
        if (!response.getBatchItemFailures().isEmpty()) {
            throw new IllegalStateException("the grant stream asked for a retry: " + response.getBatchItemFailures());
        }
    }

    private static SqsEventSource source(SqsClient sqs, String queue) {
        return new SqsEventSource(sqs, queue.startsWith("http") ? queue : sqs.getQueueUrl(r -> r.queueName(queue)).queueUrl(), 10,
                Duration.ofHours(3));
    }

    /** Drains both reconcile queues (express, then bulk) with {@code concurrency} workers each. */
    SqsEventSource.Drained reconcile(int concurrency) {
        SqsEventSource.Drained a = reconcile(express, concurrency);
        SqsEventSource.Drained b = reconcile(bulk, concurrency);
        return new SqsEventSource.Drained(a.invocations() + b.invocations(), a.delivered() + b.delivered(), a.returned() + b.returned());
    }

    /** Drains one queue with {@code concurrency} workers (warm ones from earlier drains first). */
    SqsEventSource.Drained reconcile(SqsEventSource queue, int concurrency) {
        List<ReconcileWorker> used = new CopyOnWriteArrayList<>();
        ThreadLocal<ReconcileWorker> workers = ThreadLocal.withInitial(() -> {
            ReconcileWorker w = Optional.ofNullable(warm.poll()).orElseGet(() -> ReconcileWorker.create(config, clients,
                    "crossrole-reconcile", Backoff.standard(Duration.ZERO), Clock.systemUTC()));
            used.add(w);
            return w;
        });
        try {
            return queue.drain(event -> workers.get().consume(event), concurrency);
        } finally {
            warm.addAll(used);
        }
    }

    SqsEventSource express() {
        return express;
    }

    SqsEventSource bulk() {
        return bulk;
    }
}
