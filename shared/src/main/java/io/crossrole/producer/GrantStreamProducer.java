package io.crossrole.producer;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.Identity;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.grant.GrantImages;
import io.crossrole.grant.GrantValidation;
import io.crossrole.guardrail.GrantReview;
import io.crossrole.lambda.InvocationMetrics;
import io.crossrole.org.OrganizationView;
import io.crossrole.plan.GrantPlanner;
import io.crossrole.reconcile.ReconcileQueue;
import io.crossrole.reconcile.ReconcileRequest;
import io.crossrole.reconcile.ReconcileRequest.Cause;
import io.crossrole.store.AssignmentKey;
import io.crossrole.store.AssignmentRecorder;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.AssignmentStore;
import io.crossrole.store.GrantRecord;
import io.crossrole.store.GrantStore;
import io.crossrole.store.TargetIndex;
import io.crossrole.sts.Backoff;
import io.crossrole.wiring.Wiring;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Grants table's stream, as a producer: a record only says which grant changed. The grant is read from the table
 * as it is now (one strongly consistent read per batch), reviewed, its targets expanded, and one reconcile request
 * queued per key {@link GrantPlanner} names (every account it covers or was applied in, every grantee it lists or was
 * applied to). No IAM call, in any account. An exact replay (the table holds the version whose requests were already
 * queued) costs one query and queues nothing. Records whose requests could not be queued are returned as partial batch
 * failures.
 *
 * <pre>{@code
 * StreamsEventResponse response = producer.process(dynamodbEvent);
 * }</pre>
 */
public final class GrantStreamProducer {
    private static final Logger LOG = LoggerFactory.getLogger(GrantStreamProducer.class);
    /** The version marked for a grant whose record is gone. */
    static final String ABSENT = "absent";

    private final GrantStore grants;
    private final AssignmentStore assignments;
    private final AssignmentRecorder recorder;
    private final TargetIndex index;
    private final GrantReview review;
    private final ReconcileQueue queue;
    private final Supplier<OrganizationView> organization;
    private final InvocationMetrics metrics;

    public GrantStreamProducer(GrantStore grants, AssignmentStore assignments, AssignmentRecorder recorder, TargetIndex index,
                               GrantReview review, ReconcileQueue queue, Supplier<OrganizationView> organization, InvocationMetrics metrics) {
        this.grants = grants;
        this.assignments = assignments;
        this.recorder = recorder;
        this.index = index;
        this.review = review;
        this.queue = queue;
        this.organization = organization;
        this.metrics = metrics;
    }

    /** Wires the producer from configuration: what the Lambda handler's constructor calls. */
    public static GrantStreamProducer create(CrossroleConfig config, AwsClientFactory clients, String sessionName, Backoff backoff,
                                             Clock clock) {
        Wiring w = Wiring.of(config, clients, sessionName, backoff, clock);
        return new GrantStreamProducer(w.grants(), w.store(), w.recorder(), w.index(), w.review(), w.reconcileQueue(),
                w::organization, w.metrics());
    }

    public InvocationMetrics metrics() {
        return metrics;
    }

    public StreamsEventResponse process(DynamodbEvent event) {
        List<DynamodbEvent.DynamodbStreamRecord> records = event == null || event.getRecords() == null ? List.of() : event.getRecords();
        List<StreamsEventResponse.BatchItemFailure> failures = new ArrayList<>();
        Map<String, GrantRecord> current;
        try {
            current = grants.current(records.stream().map(r -> keyOf(r.getDynamodb())).flatMap(Optional::stream).toList());
        } catch (RuntimeException e) {
            LOG.error("cannot read the batch's grants from the Grants table; the whole batch will be retried", e);
            records.forEach(r -> failures.add(new StreamsEventResponse.BatchItemFailure(sequenceOf(r))));
            return new StreamsEventResponse(failures);
        }
        Set<String> retrying = new HashSet<>();
        OrganizationView org = organization.get();
        for (DynamodbEvent.DynamodbStreamRecord record : records) {
            Optional<String> grantId = keyOf(record.getDynamodb());
            if (grantId.isEmpty()) {
                LOG.error("skipping stream record {} ({}): it has no grantId key; the Grants table's key must be grantId",
                        record.getEventID(), record.getEventName());
                continue;
            }
            if (retrying.contains(grantId.get())) {
                failures.add(new StreamsEventResponse.BatchItemFailure(sequenceOf(record)));
                continue;
            }
            try {
                produce(grantId.get(), record, current.get(grantId.get()), org);
            } catch (RuntimeException e) {
                LOG.error("grantId={} record {} could not be turned into reconcile requests; it will be retried", grantId.get(),
                        record.getEventID(), e);
                metrics.increment("StreamRecordsRetried");
                retrying.add(grantId.get());
                failures.add(new StreamsEventResponse.BatchItemFailure(sequenceOf(record)));
            }
        }
        return new StreamsEventResponse(failures);
    }

    /** @param current the grant's record as the table holds it now; {@code null} when it is gone */
    private void produce(String grantId, DynamodbEvent.DynamodbStreamRecord record, GrantRecord current, OrganizationView org) {
        AssignmentStore.ForGrant prior = assignments.forGrant(grantId);
        String version = current == null ? ABSENT : current.version();
        if (prior.fannedOut().filter(version::equals).isPresent()) {
            LOG.info("grantId={} version {} was already queued everywhere; nothing to do", grantId, version);
            metrics.increment("StreamRecordsReplayed");
            return;
        }
        List<String> previousTargets = targetsOf(GrantImages.fromStreamImage(record.getDynamodb().getOldImage()));
        index.update(grantId, previousTargets, current == null ? List.of() : current.targetsAsWritten());
        Optional<GrantValidation> reviewed = Optional.ofNullable(current).map(g -> review.review(g.parsed(), org));
        OrganizationView.Expansion expansion = reviewed.filter(GrantValidation::isValid).map(v -> org.expand(v.targets()))
                .orElse(null);
        GrantPlanner.GrantPlan plan = GrantPlanner.plan(grantId, reviewed.orElse(null), expansion, prior.assignments());
        Cause cause = current == null && isTtlDeletion(record.getUserIdentity()) ? Cause.EXPIRY : Cause.STREAM;
        List<ReconcileRequest> requests = plan.keys().stream()
                .map(k -> new ReconcileRequest(k.key(), cause, record.getEventID() == null ? version : record.getEventID(), k.roleName()))
                .toList();
        queue.send(requests);
        Notes.record(recorder, plan, reviewed.flatMap(GrantValidation::roleName).orElse(null));
        recorder.markFannedOut(grantId, version);
        LOG.info("grantId={} version {}: {} reconcile request(s) queued", grantId, version, requests.size());
    }

    /** The target IDs a record's image names, as written: only used to drop stale entries from the target index. */
    private static List<String> targetsOf(Map<String, Object> image) {
        return image.get("targets") instanceof Collection<?> c
                ? c.stream().filter(String.class::isInstance).map(String.class::cast).toList()
                : List.of();
    }

    /** DynamoDB's TTL deletions come from the service itself. */
    static boolean isTtlDeletion(Identity identity) {
        return identity != null && "Service".equals(identity.getType()) && "dynamodb.amazonaws.com".equals(identity.getPrincipalId());
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

    /** The statuses a grant-level plan itself carries: targets that cover nothing, a refusal with no account to show it on. */
    static final class Notes {
        private Notes() {
        }

        /** @param roleName the grant's role, named in the statuses; {@code null} when it has none */
        static void record(AssignmentRecorder recorder, GrantPlanner.GrantPlan plan, String roleName) {
            plan.unresolved().forEach((target, why) -> recorder.record(new AssignmentRecorder.Status(plan.grantId(),
                    new AssignmentKey.Target(target), AssignmentStatus.FAILED, roleName, null, null, why)));
            plan.resolved().forEach(target -> recorder.record(new AssignmentRecorder.Status(plan.grantId(),
                    new AssignmentKey.Target(target), AssignmentStatus.PROVISIONED, roleName, null, null,
                    "target resolved: its accounts are reconciled one by one")));
            plan.refusal().ifPresent(problems -> recorder.record(new AssignmentRecorder.Status(plan.grantId(),
                    new AssignmentKey.GrantLevel(), AssignmentStatus.FAILED, roleName, null, null,
                    "grant refused, nothing was written to IAM: " + problems)));
            if (plan.refusalCleared()) {
                recorder.record(new AssignmentRecorder.Status(plan.grantId(), new AssignmentKey.GrantLevel(), AssignmentStatus.REVOKED,
                        roleName, null, null, "the grant is accepted now: each account and grantee has its own status"));
            }
        }
    }
}
