package io.crossrole.functions.reconcileworker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.lambda.Invocation;
import io.crossrole.lambda.Priming;
import io.crossrole.reconcile.ReconcileWorker;
import io.crossrole.sts.Backoff;
import java.time.Clock;
import java.util.List;

/**
 * Lambda entry point for the FIFO reconcile queue: each message names one grant and one account (or grantee), and
 * {@link ReconcileWorker} makes it right as the tables and the organization are now. Failed messages, and the rest of
 * their group in the batch, are returned as partial batch failures.
 */
public final class ReconcileWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    static final String SESSION_NAME = "crossrole-reconcile";

    private final ReconcileWorker worker;

    public ReconcileWorkerHandler() {
        this(wire(CrossroleConfig.fromEnvironment()));
    }

    public ReconcileWorkerHandler(ReconcileWorker worker) {
        this.worker = worker;
        Priming.register();
    }

    private static ReconcileWorker wire(CrossroleConfig config) {
        if (config.primeAtInit()) {
            Priming.prime();
        }
        return ReconcileWorker.create(config, AwsClientFactory.create(config, List.of()), SESSION_NAME,
                Backoff.standard(config.assumeRoleRetry()), Clock.systemUTC());
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return Invocation.handle(context, "reconcile-worker", worker.metrics(), () -> worker.consume(event));
    }
}
