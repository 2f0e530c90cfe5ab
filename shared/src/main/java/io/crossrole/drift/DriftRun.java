package io.crossrole.drift;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.config.CrossroleConfig.DriftMode;
import io.crossrole.grant.Grant;
import io.crossrole.grant.GrantValidation;
import io.crossrole.grant.ResourceGrant;
import io.crossrole.guardrail.GrantReview;
import io.crossrole.iam.IamRoleReader;
import io.crossrole.lambda.InvocationMetrics;
import io.crossrole.model.AccountId;
import io.crossrole.org.OrganizationView;
import io.crossrole.plan.GrantPlanner;
import io.crossrole.reconcile.ReconcileKey;
import io.crossrole.reconcile.ReconcileQueue;
import io.crossrole.reconcile.ReconcileRequest;
import io.crossrole.reconcile.ReconcileRequest.Cause;
import io.crossrole.report.AccessReport;
import io.crossrole.report.ReportPublisher;
import io.crossrole.resource.ResourcePolicies;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentKey;
import io.crossrole.store.AssignmentRecorder;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.AssignmentStore;
import io.crossrole.store.GrantRecord;
import io.crossrole.store.GrantStore;
import io.crossrole.sts.Backoff;
import io.crossrole.wiring.Wiring;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The drift check at organization scale. The scheduled invocation ({@link #scheduled()}) queues the revocation of
 * expired grants (whatever TTL has done; a record is deleted once nothing of it is left), finds the accounts a grant
 * covers but never got, and fans the accounts out on the drift queue in batches; each queued message
 * ({@link #consume(SQSEvent)}) checks its accounts concurrently with a bounded pool. Without a drift queue the
 * scheduled run checks every account itself. The drift check writes no IAM: repairs and revocations go through the
 * reconcile queue, to the worker.
 *
 * <pre>{@code
 * DriftRun run = DriftRun.create(config, clients, "crossrole-drift-check", backoff, clock);
 * Map<String, Object> summary = run.scheduled();
 * }</pre>
 */
public final class DriftRun {
    private static final Logger LOG = LoggerFactory.getLogger(DriftRun.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How long after a grant's last status change its coverage is left to the functions that may still be at it. */
    static final Duration SETTLE = Duration.ofMinutes(15);

    private final CrossroleConfig config;
    private final DriftChecker checker;
    private final GrantReview review;
    private final AssignmentStore assignments;
    private final AssignmentRecorder recorder;
    private final GrantStore grants;
    private final ReconcileQueue reconcile;
    private final DynamoDbClient dynamo;
    private final Supplier<OrganizationView> organization;
    private final SqsClient sqs;
    private final Clock clock;
    private final InvocationMetrics metrics;
    private final ReportPublisher report;

    /**
     * @param organization a fresh view of the organization for each run or message
     * @param report       where the scheduled run writes the access report ({@link ReportPublisher#none()}: nowhere)
     */
    public DriftRun(CrossroleConfig config, DriftChecker checker, GrantReview review, AssignmentStore assignments,
                    AssignmentRecorder recorder, GrantStore grants, ReconcileQueue reconcile, DynamoDbClient dynamo,
                    Supplier<OrganizationView> organization, SqsClient sqs, Clock clock, InvocationMetrics metrics,
                    ReportPublisher report) {
        this.config = config;
        this.checker = checker;
        this.review = review;
        this.assignments = assignments;
        this.recorder = recorder;
        this.grants = grants;
        this.reconcile = reconcile;
        this.dynamo = dynamo;
        this.organization = organization;
        this.sqs = sqs;
        this.clock = clock;
        this.metrics = metrics;
        this.report = report;
    }

    /** Wires a run from configuration: what the drift functions' constructors call. */
    public static DriftRun create(CrossroleConfig config, AwsClientFactory clients, String sessionName, Backoff backoff, Clock clock) {
        Wiring w = Wiring.of(config, clients, sessionName, backoff, clock);
        ReconcileQueue reconcile = w.reconcileQueue();
        DriftChecker checker = new DriftChecker(w.access(), new IamRoleReader(), new ResourcePolicies(w.access(), clients), w.store(),
                w.recorder(), w.grants(), w.review(), reconcile, config.partition(), clock);
        return new DriftRun(config, checker, w.review(), w.store(), w.recorder(), w.grants(), reconcile, w.dynamo(), w::organization,
                w.sqs(), clock, w.metrics(), ReportPublisher.create(config, clients));
    }

    /** The invocation's counts besides the run summary (statuses recorded, requests queued). */
    public InvocationMetrics metrics() {
        return metrics;
    }

    /** The scheduled run: expiry, missing coverage, then fan-out (or, without a drift queue, the checks themselves). */
    public Map<String, Object> scheduled() {
        Instant started = clock.instant();
        String runId = UUID.randomUUID().toString();
        DriftSummary summary = new DriftSummary();
        String mode = config.driftMode().name().toLowerCase(Locale.ROOT);
        List<GrantRecord> allGrants = grants.all();
        List<Assignment> allAssignments = assignments.all();
        summary.expiredRevoked(revokeExpired(allGrants, allAssignments, runId));
        OrganizationView org = organization.get(); // read once for the whole run
        Set<String> uncovered = recordMissing(allGrants, allAssignments, org, runId);
        summary.missing(uncovered.size());
        List<String> accounts = accountsToCheck(allAssignments, uncovered, org);
        if (config.driftQueue().isPresent()) {
            enqueue(accounts, runId);
            summary.queued(accounts.size());
        } else {
            checkAll(accounts, config.driftMode(), summary, org, runId);
        }
        Duration duration = Duration.between(started, clock.instant());
        summary.publish(LOG, mode, duration);
        Map<String, Object> out = new LinkedHashMap<>(summary.toMap(mode, duration));
        // the tables as this run read them: statuses and last uses as the previous run's checks left them
        report.publish(AccessReport.build(allGrants, allAssignments, started, config.reportUnusedAfter()))
                .ifPresent(where -> out.put("report", where));
        return out;
    }

    /**
     * Checks the accounts of each queued message; a message that cannot be read is returned for retry (then the DLQ).
     * The mode is the configured one; a message may lower it to report, never raise it to remediate.
     */
    public SQSBatchResponse consume(SQSEvent event) {
        Instant started = clock.instant();
        DriftSummary summary = new DriftSummary();
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        DriftMode lastMode = config.driftMode();
        OrganizationView org = organization.get();
        for (SQSEvent.SQSMessage message : event.getRecords() == null ? List.<SQSEvent.SQSMessage>of() : event.getRecords()) {
            try {
                JsonNode body = JSON.readTree(message.getBody());
                DriftMode asked = body.hasNonNull("mode") ? DriftMode.valueOf(body.get("mode").asText().toUpperCase(Locale.ROOT))
                        : config.driftMode();
                DriftMode mode = asked == DriftMode.REPORT ? DriftMode.REPORT : config.driftMode();
                if (asked != mode) {
                    LOG.warn("drift message {} asks for {} but DRIFT_MODE is {}: checking in {} mode", message.getMessageId(),
                            asked, config.driftMode(), mode);
                }
                List<String> accounts = new ArrayList<>();
                body.path("accounts").forEach(a -> accounts.add(a.asText()));
                if (accounts.isEmpty() || !accounts.stream().allMatch(AccountId::isValid)) {
                    throw new IllegalArgumentException("the message must hold \"accounts\": [12-digit account IDs]");
                }
                checkAll(accounts, mode, summary, org, body.path("runId").asText(message.getMessageId()));
                lastMode = mode;
            } catch (Exception e) {
                LOG.error("drift message {} cannot be processed: {}", message.getMessageId(), e.getMessage());
                failures.add(SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(message.getMessageId()).build());
            }
        }
        summary.publish(LOG, lastMode.name().toLowerCase(Locale.ROOT), Duration.between(started, clock.instant()));
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }

    /** Checks accounts concurrently, at most {@code DRIFT_CONCURRENCY} at a time. */
    public void checkAll(List<String> accounts, DriftMode mode, DriftSummary summary, OrganizationView org, String runId) {
        if (accounts.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(config.driftConcurrency(), accounts.size()));
        try {
            List<Future<AccountCheck>> results = new ArrayList<>();
            for (String account : accounts) {
                results.add(pool.submit(() -> checker.check(AccountId.of(account), mode, org, runId)));
            }
            for (int i = 0; i < results.size(); i++) {
                try {
                    summary.add(results.get(i).get());
                } catch (Exception e) {
                    String reason = "drift check of " + accounts.get(i) + " failed: " + e.getMessage();
                    LOG.error(reason, e);
                    summary.add(new AccountCheck(accounts.get(i), 0, 0, 0, 0, true, List.of(reason)));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Expired grants, whatever TTL has done: the revocation of everything each still holds is queued (the worker sees
     * the grant expired and revokes); a record with nothing left is deleted, conditional on its {@code expiresAt}
     * (a renewal meanwhile keeps it).
     *
     * @return how many expired grants had revocations queued or were deleted
     */
    int revokeExpired(List<GrantRecord> allGrants, List<Assignment> allAssignments, String runId) {
        Instant now = clock.instant();
        Map<String, List<Assignment>> byGrant = allAssignments.stream().collect(Collectors.groupingBy(Assignment::grantId));
        int expired = 0;
        for (GrantRecord record : allGrants) {
            Optional<Instant> expiresAt = record.parsed().grant().flatMap(Grant::expiresAt)
                    .or(() -> record.parsed().resourceGrant().flatMap(ResourceGrant::expiresAt));
            if (expiresAt.isEmpty() || expiresAt.get().isAfter(now)) {
                continue;
            }
            expired++;
            List<Assignment> live = byGrant.getOrDefault(record.grantId(), List.of()).stream().filter(Assignment::isLive).toList();
            GrantPlanner.GrantPlan plan = GrantPlanner.plan(record.grantId(), record.parsed(), null, live);
            if (!plan.keys().isEmpty()) {
                reconcile.send(plan.keys().stream().map(k -> new ReconcileRequest(k.key(), Cause.EXPIRY, runId, k.roleName())).toList());
                LOG.info("grantId={} expired at {}: {} revocation(s) queued", record.grantId(), expiresAt.get(), plan.keys().size());
                continue;
            }
            try {
                dynamo.deleteItem(r -> r.tableName(config.grantsTable())
                        .key(Map.of("grantId", AttributeValue.fromS(record.grantId())))
                        .conditionExpression("expiresAt = :e")
                        .expressionAttributeValues(Map.of(":e", AttributeValue.fromN(Long.toString(expiresAt.get().getEpochSecond())))));
                LOG.info("grantId={} expired at {}: nothing of it is left, its record deleted", record.grantId(), expiresAt.get());
            } catch (ConditionalCheckFailedException renewed) {
                LOG.info("grantId={} was renewed while it was being revoked; the record is kept", record.grantId());
            }
        }
        return expired;
    }

    /**
     * Finds, for every accepted unexpired grant, the accounts its targets cover today that have no live assignment
     * (an account event that was lost, an account moved in while the functions failed). In report mode each is
     * recorded DRIFTED with the role never created there; in remediate mode its reconcile is queued. A grant whose
     * statuses changed within {@link #SETTLE} is left to the functions at work on it, and a grant with no status at all
     * to its stream record (an INSERT that was never processed is in the stream's failure queue, with its alarm).
     *
     * @return the accounts found missing
     */
    Set<String> recordMissing(List<GrantRecord> allGrants, List<Assignment> allAssignments, OrganizationView org, String runId) {
        Instant now = clock.instant();
        Map<String, List<Assignment>> byGrant = allAssignments.stream().collect(Collectors.groupingBy(Assignment::grantId));
        Set<String> accounts = new TreeSet<>();
        List<ReconcileRequest> repairs = new ArrayList<>();
        for (GrantRecord record : allGrants) {
            GrantValidation reviewed = review.review(record.parsed(), org);
            if (reviewed.grant().isEmpty() || reviewed.grant().get().isExpired(now)) {
                continue;
            }
            Grant grant = reviewed.grant().get();
            List<Assignment> statuses = byGrant.getOrDefault(grant.grantId(), List.of());
            if (statuses.isEmpty() || statuses.stream().anyMatch(a -> a.updatedAt().isAfter(now.minus(SETTLE)))) {
                continue;
            }
            Set<AccountId> live = statuses.stream().filter(Assignment::isLive).flatMap(a -> a.owner().stream()).collect(Collectors.toSet());
            OrganizationView.Expansion covered;
            try {
                covered = org.expand(grant.targets());
            } catch (RuntimeException e) {
                LOG.warn("cannot read the organization ({}); accounts the grants cover but never got are not looked for this run",
                        e.getMessage());
                return accounts;
            }
            for (AccountId account : covered.accounts()) {
                if (live.contains(account) || review.guardrails().protection(account, org).isPresent()) {
                    continue;
                }
                accounts.add(account.value());
                String message = "missing: the grant's targets cover account " + account + " but Crossrole never provisioned"
                        + " role " + grant.roleName() + " there (an account event lost, or an account that joined or moved"
                        + " while the functions failed); found by the drift check";
                if (config.driftMode() == DriftMode.REMEDIATE) {
                    repairs.add(new ReconcileRequest(new ReconcileKey.OwnerAccount(grant.grantId(), account), Cause.DRIFT, runId, Optional.empty()));
                    message += ", its reconcile is queued";
                } else {
                    message += ", which creates it in remediate mode";
                }
                AssignmentRecorder.Status found = new AssignmentRecorder.Status(grant.grantId(), new AssignmentKey.Owner(account),
                        AssignmentStatus.DRIFTED, grant.roleName(), null, null, message);
                Optional<Assignment> read = statuses.stream().filter(a -> a.owner().filter(account::equals).isPresent()).findFirst();
                if (read.isPresent()) {
                    recorder.recordIfChanged(found, read.get());
                } else {
                    recorder.recordIf(found, 0);
                }
                LOG.warn("grantId={} accountId={} {}", grant.grantId(), account, message);
            }
        }
        reconcile.send(repairs);
        return accounts;
    }

    /**
     * Every account with a live assignment (those just recorded as missing included), and every ACTIVE account
     * of the organization but the management one.
     */
    List<String> accountsToCheck(List<Assignment> allAssignments, Set<String> missing, OrganizationView org) {
        TreeSet<String> accounts = new TreeSet<>(missing);
        allAssignments.stream().filter(Assignment::isLive).flatMap(a -> a.owner().stream()).map(AccountId::value).forEach(accounts::add);
        try {
            org.activeMembers().forEach(id -> accounts.add(id.value()));
        } catch (RuntimeException e) {
            LOG.warn("cannot list the organization's accounts ({}); checking the accounts with assignments only", e.getMessage());
        }
        return List.copyOf(accounts);
    }

    private void enqueue(List<String> accounts, String runId) {
        String queue = config.driftQueue().orElseThrow();
        String url = queue.startsWith("http") ? queue : sqs.getQueueUrl(r -> r.queueName(queue)).queueUrl();
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < accounts.size(); i += config.driftAccountsPerMessage()) {
            ObjectNode body = JSON.createObjectNode();
            body.put("runId", runId);
            body.put("mode", config.driftMode().name().toLowerCase(Locale.ROOT));
            accounts.subList(i, Math.min(accounts.size(), i + config.driftAccountsPerMessage()))
                    .forEach(body.putArray("accounts")::add);
            entries.add(SendMessageBatchRequestEntry.builder().id("m" + entries.size()).messageBody(body.toString()).build());
        }
        for (int i = 0; i < entries.size(); i += 10) {
            List<SendMessageBatchRequestEntry> batch = entries.subList(i, Math.min(entries.size(), i + 10));
            var response = sqs.sendMessageBatch(r -> r.queueUrl(url).entries(batch));
            if (response.hasFailed() && !response.failed().isEmpty()) {
                throw new IllegalStateException("cannot queue drift checks: " + response.failed());
            }
        }
        LOG.info("drift run {} queued {} accounts in {} messages", runId, accounts.size(), entries.size());
    }
}
