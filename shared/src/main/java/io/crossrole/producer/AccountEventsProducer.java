package io.crossrole.producer;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.events.AccountEvent;
import io.crossrole.events.AccountEvent.Departed;
import io.crossrole.events.AccountEvent.Ignored;
import io.crossrole.events.AccountEvent.Joined;
import io.crossrole.events.AccountEvent.Moved;
import io.crossrole.lambda.InvocationMetrics;
import io.crossrole.model.AccountId;
import io.crossrole.org.OrganizationReader;
import io.crossrole.org.OrganizationView;
import io.crossrole.reconcile.ReconcileKey;
import io.crossrole.reconcile.ReconcileQueue;
import io.crossrole.reconcile.ReconcileRequest;
import io.crossrole.reconcile.ReconcileRequest.Cause;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStore;
import io.crossrole.store.TargetIndex;
import io.crossrole.sts.Backoff;
import io.crossrole.wiring.Wiring;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.organizations.model.Account;

/**
 * Organizations and Control Tower events, as a producer: an account that joins, moves or leaves gets one reconcile
 * request per grant that covers it now (its ID, an ancestor OU, the root: found in the target index, never by a scan)
 * or was applied there. The worker decides what each needs, from the organization as it is then. A departure is acted
 * on only once Organizations confirms it (the account gone, or not ACTIVE); no account is reached, and nothing waits
 * here for a new account to be ready (the worker retries it).
 *
 * <pre>{@code
 * Map<String, Object> summary = producer.handle(AccountEventParser.parse(source, detail), eventId);
 * }</pre>
 */
public final class AccountEventsProducer {
    private static final Logger LOG = LoggerFactory.getLogger(AccountEventsProducer.class);

    private final AssignmentStore assignments;
    private final TargetIndex index;
    private final ReconcileQueue queue;
    private final Supplier<OrganizationView> organization;
    private final InvocationMetrics metrics;

    public AccountEventsProducer(AssignmentStore assignments, TargetIndex index, ReconcileQueue queue,
                                 Supplier<OrganizationView> organization, InvocationMetrics metrics) {
        this.assignments = assignments;
        this.index = index;
        this.queue = queue;
        this.organization = organization;
        this.metrics = metrics;
    }

    /** Wires the producer from configuration: what the Lambda handler's constructor calls. */
    public static AccountEventsProducer create(CrossroleConfig config, AwsClientFactory clients, String sessionName, Backoff backoff,
                                               Clock clock) {
        Wiring w = Wiring.of(config, clients, sessionName, backoff, clock);
        return new AccountEventsProducer(w.store(), w.index(), w.reconcileQueue(), w::organization, w.metrics());
    }

    public InvocationMetrics metrics() {
        return metrics;
    }

    /**
     * @param eventId the event's identity (EventBridge's {@code id}): a redelivered event queues nothing new
     * @return a summary for the function's response
     */
    public Map<String, Object> handle(AccountEvent event, String eventId) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("event", event.name());
        switch (event) {
            case Ignored ignored -> {
                metrics.increment("AccountEventsIgnored");
                LOG.warn("ignoring {} event: {}", ignored.name(), ignored.why());
                summary.put("ignored", ignored.why());
            }
            case Joined joined -> placed(joined.account(), joined.name(), eventId, summary);
            case Moved moved -> {
                summary.put("from", moved.sourceParentId());
                summary.put("to", moved.destinationParentId());
                placed(moved.account(), moved.name(), eventId, summary);
            }
            case Departed departed -> departed(departed, eventId, summary);
        }
        return summary;
    }

    /** A joined or moved account: every grant that covers it now, or was applied there. */
    private void placed(AccountId account, String name, String eventId, Map<String, Object> summary) {
        summary.put("accountId", account.value());
        OrganizationView org = organization.get();
        Optional<Account> described = org.account(account);
        if (described.isEmpty() || !OrganizationReader.isActive(described.get())) {
            String why = "account " + account + (described.isEmpty() ? " is not in this organization"
                    : " is " + described.get().statusAsString() + ", not ACTIVE") + ": nothing to provision";
            summary.put("ignored", why);
            LOG.warn("accountId={} {}: {}", account, name, why);
            return;
        }
        List<String> reach = new ArrayList<>();
        reach.add(account.value());
        reach.addAll(org.ancestors(account.value()));
        Map<String, Optional<String>> grants = new LinkedHashMap<>();
        index.grantsFor(reach).forEach(g -> grants.put(g, Optional.empty()));
        live(account).forEach(a -> grants.put(a.grantId(), a.roleName()));
        send(account, grants, eventId, summary);
    }

    private void departed(Departed event, String eventId, Map<String, Object> summary) {
        AccountId account = event.account();
        summary.put("accountId", account.value());
        Optional<Account> described = organization.get().account(account);
        if (described.isPresent() && OrganizationReader.isActive(described.get())) {
            String why = "Organizations still lists account " + account + " as ACTIVE in this organization: the departure is"
                    + " not confirmed, nothing was changed";
            LOG.warn("accountId={} {}: {}", account, event.name(), why);
            summary.put("ignored", why);
            return;
        }
        Map<String, Optional<String>> grants = new LinkedHashMap<>();
        live(account).forEach(a -> grants.put(a.grantId(), a.roleName()));
        send(account, grants, eventId, summary);
    }

    private List<Assignment> live(AccountId account) {
        return assignments.forAccount(account.value()).stream().filter(Assignment::isLive).toList();
    }

    private void send(AccountId account, Map<String, Optional<String>> grants, String eventId, Map<String, Object> summary) {
        List<ReconcileRequest> requests = grants.entrySet().stream()
                .map(e -> new ReconcileRequest(new ReconcileKey.OwnerAccount(e.getKey(), account), Cause.ACCOUNT_EVENT, eventId, e.getValue()))
                .toList();
        queue.send(requests);
        summary.put("queued", List.copyOf(grants.keySet()));
        LOG.info("accountId={} {} reconcile request(s) queued: {}", account, requests.size(), grants.keySet());
    }
}
