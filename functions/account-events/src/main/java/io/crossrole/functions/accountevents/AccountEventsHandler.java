package io.crossrole.functions.accountevents;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.events.AccountEventParser;
import io.crossrole.lambda.Invocation;
import io.crossrole.lambda.Priming;
import io.crossrole.producer.AccountEventsProducer;
import io.crossrole.sts.Backoff;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Lambda entry point for Organizations and Control Tower events delivered by EventBridge (the {@link ScheduledEvent}
 * type is the library's EventBridge envelope). An event it does not understand is logged and answered without a
 * change; the accounts' grants are queued for the reconcile worker. A passing fault makes the invocation fail so
 * that Lambda's asynchronous retries and on-failure destination take over.
 */
public final class AccountEventsHandler implements RequestHandler<ScheduledEvent, Map<String, Object>> {
    static final String SESSION_NAME = "crossrole-account-events";

    private final AccountEventsProducer producer;

    public AccountEventsHandler() {
        this(wire(CrossroleConfig.fromEnvironment()));
    }

    public AccountEventsHandler(AccountEventsProducer producer) {
        this.producer = producer;
        Priming.register();
    }

    private static AccountEventsProducer wire(CrossroleConfig config) {
        if (config.primeAtInit()) {
            Priming.prime();
        }
        return AccountEventsProducer.create(config, AwsClientFactory.create(config, List.of()), SESSION_NAME,
                Backoff.standard(config.assumeRoleRetry()), Clock.systemUTC());
    }

    @Override
    public Map<String, Object> handleRequest(ScheduledEvent event, Context context) {
        return Invocation.handle(context, "account-events", producer.metrics(), () -> producer.handle(
                AccountEventParser.parse(event == null ? null : event.getSource(), event == null ? null : event.getDetail()),
                event == null || event.getId() == null ? "unidentified" : event.getId()));
    }
}
