package io.crossrole.functions.driftcheck;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.drift.DriftRun;
import io.crossrole.lambda.Invocation;
import io.crossrole.lambda.Priming;
import io.crossrole.sts.Backoff;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * The scheduled drift check: queues the revocation of expired grants, then the organization's accounts in batches for
 * {@link DriftWorkerHandler} (or checks them itself when no queue is configured). Returns the run summary.
 *
 * <p>The event is taken as a plain JSON object and not read: a schedule rule's event (its {@code detail} an object),
 * EventBridge Scheduler's default payload ({@code source} {@code aws.scheduler}, {@code detail} the string
 * {@code "{}"}, which the runtime could not map onto {@code ScheduledEvent}) and {@code {}} from a manual invoke all
 * start the same run.
 */
public final class DriftCheckHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    static final String SESSION_NAME = "crossrole-drift-check";

    private final DriftRun run;

    public DriftCheckHandler() {
        this(wire(CrossroleConfig.fromEnvironment()));
    }

    public DriftCheckHandler(DriftRun run) {
        this.run = run;
        Priming.register();
    }

    static DriftRun wire(CrossroleConfig config) {
        if (config.primeAtInit()) {
            Priming.prime();
        }
        return DriftRun.create(config, AwsClientFactory.create(config, List.of()), SESSION_NAME,
                Backoff.standard(config.assumeRoleRetry()), Clock.systemUTC());
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        return Invocation.handle(context, "drift-check", run.metrics(), run::scheduled);
    }
}
