package io.crossrole.provision;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.Identity;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.grant.Grant;
import io.crossrole.grant.GrantImages;
import io.crossrole.grant.GrantValidation;
import io.crossrole.guardrail.GrantReview;
import io.crossrole.lambda.InvocationMetrics;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.Target;
import io.crossrole.org.OrganizationView;
import io.crossrole.role.DesiredRole;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.GrantStore;
import io.crossrole.store.TargetIndex;
import io.crossrole.sts.Backoff;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles a batch of Grants-table stream records. A record only says which grant changed: the grant is read from
 * the table as it is now (one strongly consistent read per batch) and that state is applied, whatever the record's
 * images, event name or sequence number claim. A grant in the table is applied in every account it covers (and
 * revoked where it no longer applies); a grant no longer in the table is revoked everywhere its assignments say it
 * was applied. Returns the records to retry as partial batch failures: only those stopped by a passing fault. A
 * grant that can never succeed (invalid, refused by a guardrail, conflicting) is recorded FAILED and not retried.
 *
 * <pre>{@code
 * StreamsEventResponse response = processor.process(dynamodbEvent);
 * }</pre>
 */
public final class GrantStreamProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(GrantStreamProcessor.class);

    private final GrantReview review;
    private final GrantProvisioner provisioner;
    private final GrantStore grants;
    private final TargetIndex index;
    private final GrantRevoker revoker;
    private final Supplier<OrganizationView> organization;
    private final Clock clock;
    private final int concurrency;

    /**
     * @param organization a fresh view of the organization for each batch (its answers are cached for the batch)
     */
    public GrantStreamProcessor(GrantReview review, GrantProvisioner provisioner, GrantStore grants, TargetIndex index,
                                Supplier<OrganizationView> organization, Clock clock, int concurrency) {
        this.review = review;
        this.provisioner = provisioner;
        this.grants = grants;
        this.index = index;
        this.revoker = new GrantRevoker(provisioner);
        this.organization = organization;
        this.clock = clock;
        this.concurrency = concurrency;
    }

    /** Wires the processor from configuration: what a Lambda handler's constructor calls. */
    public static GrantStreamProcessor create(CrossroleConfig config, AwsClientFactory clients, String sessionName,
                                              Backoff backoff, Clock clock) {
        Wiring w = Wiring.of(config, clients, sessionName, backoff, clock);
        return new GrantStreamProcessor(w.review(), w.provisioner(), w.grants(),
                new TargetIndex(w.dynamo(), config.grantTargetsTable()), w::organization, clock, config.provisionConcurrency());
    }

    public InvocationMetrics metrics() {
        return provisioner.metrics();
    }

    public StreamsEventResponse process(DynamodbEvent event) {
        List<DynamodbEvent.DynamodbStreamRecord> records = event == null || event.getRecords() == null
                ? List.of() : event.getRecords();
        List<StreamsEventResponse.BatchItemFailure> failures = new ArrayList<>();
        Map<String, Map<String, Object>> current;
        try {
            current = grants.current(records.stream().map(r -> keyOf(r.getDynamodb())).flatMap(Optional::stream).toList());
        } catch (RuntimeException e) {
            LOG.error("cannot read the batch's grants from the Grants table; the whole batch will be retried", e);
            records.forEach(r -> failures.add(new StreamsEventResponse.BatchItemFailure(sequenceOf(r))));
            return new StreamsEventResponse(failures);
        }
        Set<String> retryingGrants = new HashSet<>();
        OrganizationView org = organization.get();
        for (DynamodbEvent.DynamodbStreamRecord record : records) {
            StreamRecord stream = record.getDynamodb();
            Optional<String> grantId = keyOf(stream);
            if (grantId.isEmpty()) {
                LOG.error("skipping stream record {} ({}): it has no grantId key; the Grants table's key must be grantId",
                        record.getEventID(), record.getEventName());
                continue;
            }
            if (retryingGrants.contains(grantId.get())) {
                failures.add(new StreamsEventResponse.BatchItemFailure(sequenceOf(record)));
                continue;
            }
            boolean retry;
            try {
                retry = handle(record.getEventName(), grantId.get(), targetsOf(GrantImages.fromStreamImage(stream.getOldImage())),
                        record.getUserIdentity(), Optional.ofNullable(current.get(grantId.get())), org);
            } catch (RuntimeException e) {
                LOG.error("grantId={} event {} failed unexpectedly; it will be retried", grantId.get(), record.getEventID(), e);
                retry = true;
            }
            if (retry) {
                provisioner.metrics().increment("StreamRecordsRetried");
                retryingGrants.add(grantId.get());
                failures.add(new StreamsEventResponse.BatchItemFailure(sequenceOf(record)));
            }
        }
        return new StreamsEventResponse(failures);
    }

    /**
     * Brings the grant to the state the table holds now.
     *
     * @param previousTargets the targets the record's old image names: only used to drop stale entries from the target
     *                        index (an index entry is a candidate that is always checked against the table, so a payload
     *                        that lies about them can neither add nor hide coverage)
     */
    private boolean handle(String eventName, String grantId, List<String> previousTargets, Identity identity,
                           Optional<Map<String, Object>> current, OrganizationView org) {
        List<Assignment> prior = provisioner.assignments(grantId);
        if (current.isEmpty()) {
            String reason = !"REMOVE".equals(eventName)
                    ? "grant record is not in the Grants table (deleted since, or never written)"
                    : isTtlDeletion(identity) ? "grant expired (TTL removed the record)" : "grant record deleted";
            boolean retry = revoker.revokeEverywhere(grantId, prior, reason);
            index.update(grantId, previousTargets, List.of());
            return retry;
        }
        if ("REMOVE".equals(eventName)) {
            LOG.info("grantId={} a REMOVE arrived but the record is in the Grants table: its current state is applied", grantId);
        }
        GrantValidation validation = review.review(current.get(), org);
        Instant now = clock.instant();
        if (validation.grant().filter(g -> !g.isExpired(now) && alreadyApplied(g, prior)).isPresent()) {
            LOG.info("grantId={} is already provisioned as the table holds it, everywhere it targets; nothing to do", grantId);
            provisioner.metrics().increment("StreamRecordsReplayed");
            return false;
        }
        index.update(grantId, previousTargets, targetsOf(current.get()));
        if (!validation.isValid()) {
            refuse(grantId, validation, prior);
            return false;
        }
        Grant grant = validation.grant().orElseThrow();
        if (grant.isExpired(now)) {
            return revoker.revokeEverywhere(grant, prior,
                    "grant expired at " + grant.expiresAt().orElseThrow() + " (expiresAt is in the past)");
        }
        return apply(grant, prior, org);
    }

    private boolean apply(Grant grant, List<Assignment> prior, OrganizationView org) {
        boolean retry = false;
        OrganizationView.Expansion expansion = org.expand(grant.targets());
        expansion.unresolved().forEach((target, why) ->
                provisioner.note(grant.grantId(), target, AssignmentStatus.FAILED, grant.roleName(), why));
        Map<String, Assignment> before = new HashMap<>();
        prior.forEach(a -> before.put(a.accountId(), a));
        Set<AccountId> targeted = new LinkedHashSet<>();
        for (AccountId account : expansion.accounts()) {
            Optional<String> protection = review.guardrails().protection(account, org);
            if (protection.isEmpty()) {
                targeted.add(account);
            } else if (before.containsKey(account.value()) && before.get(account.value()).status() != AssignmentStatus.REVOKED) {
                provisioner.note(grant.grantId(), account.value(), AssignmentStatus.FAILED, grant.roleName(),
                        "guardrail protectedTargets: " + protection.get() + "; Crossrole no longer writes here and left the role"
                                + " as it was (delete it by hand if it must go)");
            }
        }
        for (Target target : grant.targets()) {
            Assignment was = before.get(target.id());
            if (!(target instanceof Target.Account) && was != null && was.status() == AssignmentStatus.FAILED
                    && !expansion.unresolved().containsKey(target.id())) {
                provisioner.note(grant.grantId(), target.id(), AssignmentStatus.PROVISIONED, grant.roleName(),
                        "target resolved: it covers " + targeted.size() + " account(s) of this grant");
            }
        }
        for (Assignment a : prior) {
            if (!a.isAccount() || a.status() == AssignmentStatus.REVOKED) {
                continue;
            }
            AccountId account = AccountId.of(a.accountId());
            String oldRole = a.roleName().orElse(grant.roleName());
            if (!expansion.accounts().contains(account)) {
                retry |= provisioner.revoke(grant.grantId(), oldRole, account, "account no longer targeted by the grant").retry();
            } else if (targeted.contains(account) && !oldRole.equals(grant.roleName())) {
                retry |= provisioner.revoke(grant.grantId(), oldRole, account, "role renamed to " + grant.roleName()).retry();
            }
        }
        List<String> provisioned = new ArrayList<>();
        List<AccountId> toApply = new ArrayList<>();
        for (AccountId account : targeted) {
            Assignment done = before.get(account.value());
            if (done != null && done.status() == AssignmentStatus.PROVISIONED
                    && done.desiredHash().filter(DesiredRole.of(grant, account).hash()::equals).isPresent()) {
                done.roleArn().ifPresent(provisioned::add);
            } else {
                toApply.add(account);
            }
        }
        for (AccountResult result : applyEverywhere(grant, toApply)) {
            retry |= result.retry();
            if (result.status() == AssignmentStatus.PROVISIONED) {
                result.roleArn().ifPresent(provisioned::add);
            } else if (result.retry()) {
                Assignment was = before.get(result.key());
                if (was != null && (was.status() == AssignmentStatus.PROVISIONED || was.status() == AssignmentStatus.DRIFTED)) {
                    was.roleArn().ifPresent(provisioned::add);
                }
            }
        }
        Set<String> attached = new HashSet<>();
        for (Arn grantee : grant.granteeAttach()) {
            attached.add(grantee.toString());
            retry |= provisioner.attachGrantee(grant.grantId(), grantee, provisioned).retry();
        }
        for (Assignment a : prior) {
            if (a.accountId().startsWith(Assignment.GRANTEE_PREFIX) && a.status() != AssignmentStatus.REVOKED
                    && !attached.contains(a.accountId().substring(Assignment.GRANTEE_PREFIX.length()))) {
                Optional<Arn> arn = Arn.parse(a.accountId().substring(Assignment.GRANTEE_PREFIX.length()));
                if (arn.isPresent()) {
                    retry |= provisioner.detachGrantee(grant.grantId(), arn.get(), "no longer in granteeAttach").retry();
                }
            }
        }
        return retry;
    }

    private void refuse(String grantId, GrantValidation validation, List<Assignment> prior) {
        boolean applied = prior.stream().anyMatch(a -> a.isAccount() && a.roleArn().isPresent()
                && (a.status() == AssignmentStatus.PROVISIONED || a.status() == AssignmentStatus.DRIFTED));
        String message = "grant refused, nothing was written to IAM"
                + (applied ? " (roles keep their last provisioned state)" : "") + ": " + validation.summary();
        Set<String> keys = new LinkedHashSet<>();
        validation.accountTargets().forEach(a -> keys.add(a.value()));
        if (keys.isEmpty()) {
            prior.stream().filter(Assignment::isAccount).forEach(a -> keys.add(a.accountId()));
        }
        if (keys.isEmpty()) {
            keys.add(Assignment.GRANT_LEVEL);
        }
        String roleName = validation.roleName().orElse(null);
        keys.forEach(key -> provisioner.note(grantId, key, AssignmentStatus.FAILED, roleName, message));
    }

    /**
     * True when every account the grant names, and every grantee, is PROVISIONED with the role this grant describes
     * now, and nothing else is applied: a redelivery, or a change that brought the record back to what is provisioned.
     * Only for grants that name their accounts; an OU or root target can cover other accounts by now.
     */
    private static boolean alreadyApplied(Grant grant, List<Assignment> prior) {
        if (grant.targets().stream().anyMatch(t -> !(t instanceof Target.Account))) {
            return false;
        }
        Map<String, Assignment> byKey = new HashMap<>();
        prior.forEach(a -> byKey.put(a.accountId(), a));
        boolean accounts = grant.accountTargets().stream().allMatch(account -> {
            Assignment a = byKey.get(account.value());
            return a != null && a.status() == AssignmentStatus.PROVISIONED
                    && a.desiredHash().filter(DesiredRole.of(grant, account).hash()::equals).isPresent();
        });
        boolean grantees = grant.granteeAttach().stream().map(g -> byKey.get(Assignment.GRANTEE_PREFIX + g))
                .allMatch(a -> a != null && a.status() == AssignmentStatus.PROVISIONED);
        boolean nothingElse = prior.stream().filter(a -> a.isAccount() && a.status() != AssignmentStatus.REVOKED)
                .allMatch(a -> grant.accountTargets().stream().anyMatch(t -> t.value().equals(a.accountId())));
        return accounts && grantees && nothingElse;
    }

    /** Applies the grant in every account, at most {@code concurrency} accounts at once (an organization-wide grant). */
    private List<AccountResult> applyEverywhere(Grant grant, List<AccountId> accounts) {
        if (accounts.size() <= 1 || concurrency <= 1) {
            return accounts.stream().map(a -> provisioner.apply(grant, a)).toList();
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(concurrency, accounts.size()));
        try {
            List<Future<AccountResult>> futures = accounts.stream().map(a -> pool.submit(() -> provisioner.apply(grant, a))).toList();
            List<AccountResult> results = new ArrayList<>();
            for (Future<AccountResult> f : futures) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while provisioning " + grant.grantId(), e);
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The target IDs a record names, as written (for keeping the index in step, even with an invalid record). */
    private static List<String> targetsOf(Map<String, Object> image) {
        return image.get("targets") instanceof Collection<?> c
                ? c.stream().filter(String.class::isInstance).map(String.class::cast).toList()
                : List.of();
    }

    private static Optional<String> keyOf(StreamRecord stream) {
        if (stream == null || stream.getKeys() == null) {
            return Optional.empty();
        }
        AttributeValue key = stream.getKeys().get("grantId");
        return Optional.ofNullable(key).map(AttributeValue::getS).filter(s -> !s.isEmpty());
    }

    private static String sequenceOf(DynamodbEvent.DynamodbStreamRecord record) {
        return record.getDynamodb() == null ? null : record.getDynamodb().getSequenceNumber();
    }

    /** DynamoDB's TTL deletions come from the service itself. */
    static boolean isTtlDeletion(Identity identity) {
        return identity != null && "Service".equals(identity.getType())
                && "dynamodb.amazonaws.com".equals(identity.getPrincipalId());
    }
}
