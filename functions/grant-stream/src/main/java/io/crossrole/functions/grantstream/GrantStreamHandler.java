package io.crossrole.functions.grantstream;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.provision.GrantStreamProcessor;
import io.crossrole.sts.Backoff;
import java.time.Clock;
import java.util.List;

/**
 * Lambda entry point for the Grants table's stream. Collaborators are built once per execution
 * environment; each batch is handed to {@link GrantStreamProcessor}.
 */
public final class GrantStreamHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {
    static final String SESSION_NAME = "crossrole-grant-stream";

    private final GrantStreamProcessor processor;

    public GrantStreamHandler() {
        this(wire(CrossroleConfig.fromEnvironment()));
    }

    public GrantStreamHandler(GrantStreamProcessor processor) {
        this.processor = processor;
        io.crossrole.lambda.Priming.register();
    }

    private static GrantStreamProcessor wire(CrossroleConfig config) {
        if (config.primeAtInit()) {
            io.crossrole.lambda.Priming.prime();
        }
        return GrantStreamProcessor.create(config, AwsClientFactory.create(config, List.of()), SESSION_NAME,
                Backoff.standard(config.assumeRoleRetry()), Clock.systemUTC());
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        return io.crossrole.lambda.Invocation.handle(context, "grant-stream", processor.metrics(), () -> processor.process(event));
    }
}
