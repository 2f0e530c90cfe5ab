package io.crossrole.functions.driftcheck;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.drift.DriftRun;

/**
 * Consumes the drift queue: each message names a batch of accounts, checked concurrently. Messages that
 * cannot be processed are reported as partial batch failures (then, after the queue's retries, the DLQ).
 */
public final class DriftWorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final DriftRun run;

    public DriftWorkerHandler() {
        this(DriftCheckHandler.wire(CrossroleConfig.fromEnvironment()));
    }

    public DriftWorkerHandler(DriftRun run) {
        this.run = run;
        io.crossrole.lambda.Priming.register();
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return io.crossrole.lambda.Invocation.handle(context, "drift-check-worker", run.metrics(), () -> run.consume(event));
    }
}
