package io.crossrole.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import java.util.function.Supplier;
import org.slf4j.MDC;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/**
 * What every handler does around its work: Powertools logging context (request ID, cold start, function)
 * and a {@code requestId} MDC key on every log line; the invocation's metrics published at the end.
 */
public final class Invocation {
    private Invocation() {
    }

    public static <T> T handle(Context context, String function, InvocationMetrics metrics, Supplier<T> work) {
        if (context != null) {
            PowertoolsLogging.initializeLogging(context);
            MDC.put("requestId", context.getAwsRequestId());
        }
        try {
            return work.get();
        } finally {
            metrics.publish(function);
            MDC.remove("requestId");
        }
    }
}
