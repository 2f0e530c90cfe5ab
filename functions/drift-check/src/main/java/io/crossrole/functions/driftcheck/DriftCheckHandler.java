package io.crossrole.functions.driftcheck;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.drift.DriftRun;
import io.crossrole.sts.Backoff;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * The scheduled drift check: revokes expired grants, then queues the organization's accounts in batches for
 * {@link DriftWorkerHandler} (or checks them itself when no queue is configured). Returns the run summary.
 */
public final class DriftCheckHandler implements RequestHandler<ScheduledEvent, Map<String, Object>> {
    static final String SESSION_NAME = "crossrole-drift-check";

    private final DriftRun run;

    public DriftCheckHandler() {
        this(wire(CrossroleConfig.fromEnvironment()));
    }

    public DriftCheckHandler(DriftRun run) {
        this.run = run;
        io.crossrole.lambda.Priming.register();
    }

    static DriftRun wire(CrossroleConfig config) {
        if (config.primeAtInit()) {
            io.crossrole.lambda.Priming.prime();
        }
        return DriftRun.create(config, AwsClientFactory.create(config, List.of()), SESSION_NAME,
                Backoff.standard(config.assumeRoleRetry()), Clock.systemUTC());
    }

    @Override
    public Map<String, Object> handleRequest(ScheduledEvent event, Context context) {
        return io.crossrole.lambda.Invocation.handle(context, "drift-check", run.metrics(), () -> run.scheduled());
    }
}
