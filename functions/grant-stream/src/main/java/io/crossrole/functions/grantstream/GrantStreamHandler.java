package io.crossrole.functions.grantstream;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.lambda.Invocation;
import io.crossrole.lambda.Priming;
import io.crossrole.producer.GrantStreamProducer;
import io.crossrole.sts.Backoff;
import java.time.Clock;
import java.util.List;

/**
 * Lambda entry point for the Grants table's stream. Collaborators are built once per execution environment; each
 * batch is handed to {@link GrantStreamProducer}, which queues one reconcile request per account and grantee.
 */
public final class GrantStreamHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {
    static final String SESSION_NAME = "crossrole-grant-stream";

    private final GrantStreamProducer producer;

    public GrantStreamHandler() {
        this(wire(CrossroleConfig.fromEnvironment()));
    }

    public GrantStreamHandler(GrantStreamProducer producer) {
        this.producer = producer;
        Priming.register();
    }

    private static GrantStreamProducer wire(CrossroleConfig config) {
        if (config.primeAtInit()) {
            Priming.prime();
        }
        return GrantStreamProducer.create(config, AwsClientFactory.create(config, List.of()), SESSION_NAME,
                Backoff.standard(config.assumeRoleRetry()), Clock.systemUTC());
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        return Invocation.handle(context, "grant-stream", producer.metrics(), () -> producer.process(event));
    }
}
