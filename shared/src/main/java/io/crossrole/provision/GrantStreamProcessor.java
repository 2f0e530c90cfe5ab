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
import io.crossrole.grant.GrantParser;
import io.crossrole.grant.GrantValidation;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.org.OrganizationReader;
import io.crossrole.org.OrganizationView;
import io.crossrole.model.Target;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.TargetIndex;
import io.crossrole.sts.Backoff;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles a batch of Grants-table stream records: INSERT and MODIFY apply the grant in every targeted
 * account (and revoke where it no longer applies), REMOVE (a delete or a TTL expiry) revokes it everywhere
 * it was applied. Returns the records to retry as partial batch failures: only those stopped by a passing
 * fault. A record that can never succeed (invalid, conflicting) is recorded FAILED and not retried.
 *
 * <pre>{@code
 * StreamsEventResponse response = processor.process(dynamodbEvent);
 * }</pre>
 */
public final class GrantStreamProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(GrantStreamProcessor.class);

    private final GrantParser parser;
    private final GrantProvisioner provisioner;
    private final TargetIndex index;
    private final GrantRevoker revoker;
    private final Supplier<OrganizationView> organization;
    private final Clock clock;
    private final int concurrency;

    /**
     * @param organization a fresh view of the organization for each batch (its answers are cached for the batch)
     */
    public GrantStreamProcessor(GrantParser parser, GrantProvisioner provisioner, TargetIndex index,
                                Supplier<OrganizationView> organization, Clock clock, int concurrency) {
        this.concurrency = concurrency;
        this.parser = parser;
        this.provisioner = provisioner;
        this.index = index;
        this.revoker = new GrantRevoker(parser, provisioner);
        this.organization = organization;
        this.clock = clock;
    }

    /** Wires the processor from configuration: what a Lambda handler's constructor calls. */
    public static GrantStreamProcessor create(CrossroleConfig config, AwsClientFactory clients, String sessionName,
                                              Backoff backoff, Clock clock) {
        Wiring w = Wiring.of(config, clients, sessionName, backoff, clock);
        OrganizationReader reader = new OrganizationReader(clients.organizations());
        return new GrantStreamProcessor(w.parser(), w.provisioner(), new TargetIndex(w.dynamo(), config.grantTargetsTable()),
                () -> new OrganizationView(reader), clock,
                config.provisionConcurrency());
    }

    public io.crossrole.internal.InvocationMetrics metrics() {
        return provisioner.metrics();
    }

    public StreamsEventResponse process(DynamodbEvent event) {
        List<StreamsEventResponse.BatchItemFailure> failures = new ArrayList<>();
        Set<String> retryingGrants = new HashSet<>();
        OrganizationView org = organization.get();
        List<DynamodbEvent.DynamodbStreamRecord> records = event == null || event.getRecords() == null
                ? List.of() : event.getRecords();
        for (DynamodbEvent.DynamodbStreamRecord record : records) {
            StreamRecord stream = record.getDynamodb();
            String sequence = stream == null ? null : stream.getSequenceNumber();
            Optional<String> grantId = keyOf(stream);
            if (grantId.isEmpty()) {
                LOG.error("skipping stream record {} ({}): it has no grantId key; the Grants table's key must be grantId",
                        record.getEventID(), record.getEventName());
                continue;
            }
            if (retryingGrants.contains(grantId.get())) {
                failures.add(new StreamsEventResponse.BatchItemFailure(sequence));
                continue;
            }
            boolean retry;
            try {
                retry = handle(record.getEventName(), grantId.get(), stream, record.getUserIdentity(), sequenceOf(sequence), org);
            } catch (RuntimeException e) {
                LOG.error("grantId={} event {} failed unexpectedly; it will be retried", grantId.get(), record.getEventID(), e);
                retry = true;
            }
            if (retry) {
                provisioner.metrics().increment("StreamRecordsRetried");
                retryingGrants.add(grantId.get());
                failures.add(new StreamsEventResponse.BatchItemFailure(sequence));
            }
        }
        return new StreamsEventResponse(failures);
    }

    private boolean handle(String eventName, String grantId, StreamRecord stream, Identity identity,
                           Optional<BigInteger> sequence, OrganizationView org) {
        List<Assignment> prior = provisioner.assignments(grantId);
        if (sequence.isPresent() && prior.stream().anyMatch(a -> a.sourceSequence().map(s -> s.compareTo(sequence.get()) > 0).orElse(false))) {
            LOG.info("grantId={} skipping event {}: a newer event was already applied", grantId, sequence.get());
            return false;
        }
        Map<String, Object> oldImage = GrantImages.fromStreamImage(stream.getOldImage());
        if ("REMOVE".equals(eventName)) {
            String reason = isTtlDeletion(identity)
                    ? "grant expired" + expiry(oldImage).map(at -> " at " + at).orElse("") + " (TTL removed the record)"
                    : "grant record deleted";
            boolean retry = revoker.revokeEverywhere(grantId, oldImage, prior, reason, sequence);
            index.update(grantId, targetsOf(oldImage), List.of());
            return retry;
        }
        if (!"INSERT".equals(eventName) && !"MODIFY".equals(eventName)) {
            LOG.warn("grantId={} ignoring stream event '{}'", grantId, eventName);
            return false;
        }
        Map<String, Object> newImage = GrantImages.fromStreamImage(stream.getNewImage());
        GrantValidation validation = parser.parse(newImage);
        if (!validation.isValid()) {
            refuse(grantId, validation, prior, "MODIFY".equals(eventName), sequence);
            return false;
        }
        Grant grant = validation.grant().orElseThrow();
        Instant now = clock.instant();
        if (grant.isExpired(now)) {
            boolean retry = revoker.revokeEverywhere(grantId, newImage, prior,
                    "grant expired at " + grant.expiresAt().orElseThrow() + " (expiresAt is in the past)", sequence);
            index.update(grantId, targetsOf(oldImage), List.of());
            return retry;
        }
        if (alreadyApplied(grant, prior, sequence)) {
            LOG.info("grantId={} record {} was already applied everywhere it targets; nothing to do", grantId, sequence.orElseThrow());
            provisioner.metrics().increment("StreamRecordsReplayed");
            return false;
        }
        index.update(grantId, targetsOf(oldImage), grant.targets().stream().map(Target::id).toList());
        return apply(grant, prior, sequence, org);
    }

    private boolean apply(Grant grant, List<Assignment> prior, Optional<BigInteger> sequence, OrganizationView org) {
        boolean retry = false;
        OrganizationView.Expansion expansion = org.expand(grant.targets());
        Set<AccountId> targeted = new LinkedHashSet<>(expansion.accounts());
        expansion.unresolved().forEach((target, why) ->
                provisioner.note(grant.grantId(), target, AssignmentStatus.FAILED, grant.roleName(), why, sequence));
        for (Target target : grant.targets()) {
            boolean wasUnresolved = prior.stream().anyMatch(a -> a.accountId().equals(target.id()) && a.status() == AssignmentStatus.FAILED);
            if (!(target instanceof Target.Account) && wasUnresolved && !expansion.unresolved().containsKey(target.id())) {
                provisioner.note(grant.grantId(), target.id(), AssignmentStatus.PROVISIONED, grant.roleName(),
                        "target resolved: it covers " + targeted.size() + " account(s) of this grant", sequence);
            }
        }
        for (Assignment a : prior) {
            if (!a.isAccount() || a.status() == AssignmentStatus.REVOKED) {
                continue;
            }
            AccountId account = AccountId.of(a.accountId());
            String oldRole = a.roleName().orElse(grant.roleName());
            if (!targeted.contains(account)) {
                retry |= provisioner.revoke(grant.grantId(), oldRole, account,
                        "account no longer targeted by the grant", sequence).retry();
            } else if (!oldRole.equals(grant.roleName())) {
                retry |= provisioner.revoke(grant.grantId(), oldRole, account,
                        "role renamed to " + grant.roleName(), sequence).retry();
            }
        }
        String hash = io.crossrole.role.DesiredRole.of(grant).hash();
        Map<String, Assignment> before = new java.util.HashMap<>();
        prior.forEach(a -> before.put(a.accountId(), a));
        List<String> provisioned = new ArrayList<>();
        List<AccountId> toApply = new ArrayList<>();
        for (AccountId account : targeted) {
            Assignment done = before.get(account.value());
            if (done != null && done.status() == AssignmentStatus.PROVISIONED && done.sourceSequence().equals(sequence)
                    && sequence.isPresent() && done.desiredHash().filter(hash::equals).isPresent()) {
                done.roleArn().ifPresent(provisioned::add);
            } else {
                toApply.add(account);
            }
        }
        for (AccountResult result : applyEverywhere(grant, toApply, sequence)) {
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
            retry |= provisioner.attachGrantee(grant.grantId(), grantee, provisioned, sequence).retry();
        }
        for (Assignment a : prior) {
            if (a.accountId().startsWith(Assignment.GRANTEE_PREFIX) && a.status() != AssignmentStatus.REVOKED
                    && !attached.contains(a.accountId().substring(Assignment.GRANTEE_PREFIX.length()))) {
                Optional<Arn> arn = Arn.parse(a.accountId().substring(Assignment.GRANTEE_PREFIX.length()));
                if (arn.isPresent()) {
                    retry |= provisioner.detachGrantee(grant.grantId(), arn.get(), "no longer in granteeAttach", sequence).retry();
                }
            }
        }
        return retry;
    }

    private void refuse(String grantId, GrantValidation validation, List<Assignment> prior, boolean modify,
                        Optional<BigInteger> sequence) {
        String message = "grant record is invalid, nothing was written to IAM"
                + (modify ? " (roles keep their last provisioned state)" : "") + ": " + validation.summary();
        Set<String> keys = new LinkedHashSet<>();
        validation.accountTargets().forEach(a -> keys.add(a.value()));
        if (keys.isEmpty()) {
            prior.stream().filter(Assignment::isAccount).forEach(a -> keys.add(a.accountId()));
        }
        if (keys.isEmpty()) {
            keys.add(Assignment.GRANT_LEVEL);
        }
        String roleName = validation.grant().map(Grant::roleName).orElse(null);
        keys.forEach(key -> provisioner.note(grantId, key, AssignmentStatus.FAILED, roleName, message, sequence));
    }

    /**
     * True when this very record (same sequence number) already brought every targeted account and grantee to
     * PROVISIONED with this desired state: a redelivery (Lambda replays the records after a failed one). Only for
     * grants that name their accounts; an OU or root target can cover other accounts by now.
     */
    private static boolean alreadyApplied(Grant grant, List<Assignment> prior, Optional<BigInteger> sequence) {
        if (sequence.isEmpty() || grant.targets().stream().anyMatch(t -> !(t instanceof Target.Account))) {
            return false;
        }
        String hash = io.crossrole.role.DesiredRole.of(grant).hash();
        Map<String, Assignment> byKey = new java.util.HashMap<>();
        prior.forEach(a -> byKey.put(a.accountId(), a));
        java.util.function.Predicate<Assignment> doneByThisRecord = a -> a != null && a.status() == AssignmentStatus.PROVISIONED
                && a.sourceSequence().equals(sequence);
        boolean accounts = grant.accountTargets().stream().map(a -> byKey.get(a.value()))
                .allMatch(a -> doneByThisRecord.test(a) && a.desiredHash().filter(hash::equals).isPresent());
        boolean grantees = grant.granteeAttach().stream().map(g -> byKey.get(Assignment.GRANTEE_PREFIX + g))
                .allMatch(doneByThisRecord);
        boolean nothingElse = prior.stream().filter(a -> a.isAccount() && a.status() != AssignmentStatus.REVOKED)
                .allMatch(a -> grant.accountTargets().stream().anyMatch(t -> t.value().equals(a.accountId())));
        return accounts && grantees && nothingElse;
    }

    /** Applies the grant in every account, at most {@code concurrency} accounts at once (an organization-wide grant). */
    private List<AccountResult> applyEverywhere(Grant grant, List<AccountId> accounts, Optional<BigInteger> sequence) {
        if (accounts.size() <= 1 || concurrency <= 1) {
            return accounts.stream().map(a -> provisioner.apply(grant, a, sequence)).toList();
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(Math.min(concurrency, accounts.size()));
        try {
            List<java.util.concurrent.Future<AccountResult>> futures = accounts.stream()
                    .map(a -> pool.submit(() -> provisioner.apply(grant, a, sequence))).toList();
            List<AccountResult> results = new ArrayList<>();
            for (java.util.concurrent.Future<AccountResult> f : futures) {
                try {
                    results.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
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
        return image.get("targets") instanceof java.util.Collection<?> c
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

    private static Optional<BigInteger> sequenceOf(String sequence) {
        try {
            return Optional.ofNullable(sequence).map(BigInteger::new);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** DynamoDB's TTL deletions come from the service itself. */
    static boolean isTtlDeletion(Identity identity) {
        return identity != null && "Service".equals(identity.getType())
                && "dynamodb.amazonaws.com".equals(identity.getPrincipalId());
    }

    private static Optional<Instant> expiry(Map<String, Object> image) {
        return image.get("expiresAt") instanceof java.math.BigDecimal n
                ? Optional.of(Instant.ofEpochSecond(n.longValue())) : Optional.empty();
    }
}
