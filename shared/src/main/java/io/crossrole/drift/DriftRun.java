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
import io.crossrole.guardrail.GrantReview;
import io.crossrole.iam.IamRoleApplier;
import io.crossrole.iam.IamRoleReader;
import io.crossrole.model.AccountId;
import io.crossrole.org.OrganizationView;
import io.crossrole.lambda.InvocationMetrics;
import io.crossrole.provision.GrantRevoker;
import io.crossrole.provision.Wiring;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.AssignmentStore;
import io.crossrole.store.GrantStore;
import io.crossrole.sts.Backoff;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * The drift check at organization scale. The scheduled invocation ({@link #scheduled()}) revokes expired
 * grants (whatever TTL has done) and fans the accounts out on a queue in batches; each queued message
 * ({@link #consume(SQSEvent)}) checks its accounts concurrently with a bounded pool. Without a queue the
 * scheduled run checks every account itself. Every message is idempotent: checking an account twice
 * changes nothing.
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
    private final GrantRevoker revoker;
    private final GrantReview review;
    private final AssignmentStore assignments;
    private final GrantStore grants;
    private final DynamoDbClient dynamo;
    private final Supplier<OrganizationView> organization;
    private final SqsClient sqs;
    private final Clock clock;
    private final InvocationMetrics metrics = new InvocationMetrics();

    /**
     * @param organization a fresh view of the organization for each run or message
     */
    public DriftRun(CrossroleConfig config, DriftChecker checker, GrantRevoker revoker, GrantReview review,
                    AssignmentStore assignments, GrantStore grants, DynamoDbClient dynamo, Supplier<OrganizationView> organization,
                    SqsClient sqs, Clock clock) {
        this.config = config;
        this.checker = checker;
        this.revoker = revoker;
        this.review = review;
        this.assignments = assignments;
        this.grants = grants;
        this.dynamo = dynamo;
        this.organization = organization;
        this.sqs = sqs;
        this.clock = clock;
    }

    /** Wires a run from configuration: what the drift functions' constructors call. */
    public static DriftRun create(CrossroleConfig config, AwsClientFactory clients, String sessionName, Backoff backoff, Clock clock) {
        Wiring w = Wiring.of(config, clients, sessionName, backoff, clock);
        DriftChecker checker = new DriftChecker(w.access(), new IamRoleReader(), new IamRoleApplier(backoff), w.store(), w.grants(),
                w.review(), config.partition(), clock);
        return new DriftRun(config, checker, new GrantRevoker(w.provisioner()), w.review(), w.store(), w.grants(), w.dynamo(),
                w::organization, config.driftQueue().isPresent() ? clients.client(SqsClient.builder()) : null, clock);
    }

    /** Drift runs publish their own summary; this is for the invocation's other counts. */
    public InvocationMetrics metrics() {
        return metrics;
    }

    /** The scheduled run: expiry, then fan-out (or, without a queue, the checks themselves). */
    public Map<String, Object> scheduled() {
        Instant started = clock.instant();
        DriftSummary summary = new DriftSummary();
        String mode = config.driftMode().name().toLowerCase(Locale.ROOT);
        List<Map<String, Object>> allGrants = grants.all();
        summary.expiredRevoked(revokeExpired(allGrants));
        List<Assignment> allAssignments = assignments.all();
        OrganizationView org = organization.get(); // read once for the whole run
        Set<String> uncovered = recordMissing(allGrants, allAssignments, org);
        summary.missing(uncovered.size());
        List<String> accounts = accountsToCheck(allAssignments, uncovered, org);
        if (config.driftQueue().isPresent()) {
            enqueue(accounts);
            summary.queued(accounts.size());
        } else {
            checkAll(accounts, config.driftMode(), summary, org);
        }
        Duration duration = Duration.between(started, clock.instant());
        summary.publish(LOG, mode, duration);
        return summary.toMap(mode, duration);
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
                checkAll(accounts, mode, summary, org);
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
    public void checkAll(List<String> accounts, DriftMode mode, DriftSummary summary, OrganizationView org) {
        if (accounts.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(config.driftConcurrency(), accounts.size()));
        try {
            List<Future<AccountCheck>> results = new ArrayList<>();
            for (String account : accounts) {
                results.add(pool.submit(() -> checker.check(AccountId.of(account), mode, org)));
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

    /** Revokes grants whose expiresAt has passed in every account, then deletes their records. */
    int revokeExpired(List<Map<String, Object>> allGrants) {
        int revoked = 0;
        Instant now = clock.instant();
        for (Map<String, Object> raw : allGrants) {
            if (!(raw.get("expiresAt") instanceof BigDecimal expires) || !(raw.get("grantId") instanceof String grantId)) {
                continue;
            }
            Instant at = Instant.ofEpochSecond(expires.longValue());
            if (at.isAfter(now)) {
                continue;
            }
            boolean retry = revoker.revokeEverywhere(grantId, assignments.forGrant(grantId),
                    "grant expired at " + at + "; revoked by the drift check");
            if (retry) {
                LOG.warn("grantId={} expired but not yet revoked everywhere; the record is kept for the next run", grantId);
                continue;
            }
            try {
                dynamo.deleteItem(r -> r.tableName(config.grantsTable())
                        .key(Map.of("grantId", AttributeValue.fromS(grantId)))
                        .conditionExpression("expiresAt = :e")
                        .expressionAttributeValues(Map.of(":e", AttributeValue.fromN(expires.toPlainString()))));
                revoked++;
                LOG.info("grantId={} expired at {}: revoked everywhere and its record deleted", grantId, at);
            } catch (ConditionalCheckFailedException renewed) {
                LOG.info("grantId={} was renewed while it was being revoked; the record is kept", grantId);
            }
        }
        return revoked;
    }

    /**
     * Finds, for every valid unexpired grant, the accounts its targets cover today that have no live assignment
     * (an account event that was lost, an account moved in while the functions failed) and records each as
     * DRIFTED with the role never created there: the account checks that follow report it or, in remediate
     * mode, create the role. A grant whose statuses changed within {@link #SETTLE} is left to the functions at
     * work on it, and a grant with no status at all to its stream record (an INSERT that was never processed is
     * in the stream's failure queue, with its alarm).
     *
     * @return the accounts given a missing assignment
     */
    Set<String> recordMissing(List<Map<String, Object>> allGrants, List<Assignment> allAssignments, OrganizationView org) {
        Instant now = clock.instant();
        Map<String, List<Assignment>> byGrant = allAssignments.stream().collect(Collectors.groupingBy(Assignment::grantId));
        Set<String> accounts = new TreeSet<>();
        for (Map<String, Object> raw : allGrants) {
            Optional<Grant> parsed = review.review(raw, org).grant();
            if (parsed.isEmpty() || parsed.get().isExpired(now)) {
                continue;
            }
            Grant grant = parsed.get();
            List<Assignment> statuses = byGrant.getOrDefault(grant.grantId(), List.of());
            if (statuses.isEmpty() || statuses.stream().anyMatch(a -> a.updatedAt().isAfter(now.minus(SETTLE)))) {
                continue;
            }
            Set<String> live = statuses.stream().filter(a -> a.isAccount() && a.status() != AssignmentStatus.REVOKED)
                    .map(Assignment::accountId).collect(Collectors.toSet());
            OrganizationView.Expansion covered;
            try {
                covered = org.expand(grant.targets());
            } catch (RuntimeException e) {
                LOG.warn("cannot read the organization ({}); accounts the grants cover but never got are not looked for this run",
                        e.getMessage());
                return accounts;
            }
            for (AccountId account : covered.accounts()) {
                if (live.contains(account.value())) {
                    continue;
                }
                String message = "missing: the grant's targets cover account " + account + " but Crossrole never provisioned"
                        + " role " + grant.roleName() + " there (an account event lost, or an account that joined or moved"
                        + " while the functions failed); found by the drift check, which creates it in remediate mode";
                if (review.guardrails().protection(account, org).isPresent()) {
                    continue;
                }
                assignments.record(new AssignmentStore.Update(grant.grantId(), account.value(), AssignmentStatus.DRIFTED,
                        grant.roleName(), null, null, message));
                accounts.add(account.value());
                LOG.warn("grantId={} accountId={} {}", grant.grantId(), account, message);
            }
        }
        return accounts;
    }

    /**
     * Every account with a live assignment (those just recorded as missing included), and every ACTIVE account
     * of the organization but the management one.
     */
    List<String> accountsToCheck(List<Assignment> allAssignments, Set<String> missing, OrganizationView org) {
        TreeSet<String> accounts = new TreeSet<>(missing);
        allAssignments.stream()
                .filter(a -> a.isAccount() && a.status() != AssignmentStatus.REVOKED)
                .map(Assignment::accountId).forEach(accounts::add);
        try {
            org.activeMembers().forEach(id -> accounts.add(id.value()));
        } catch (RuntimeException e) {
            LOG.warn("cannot list the organization's accounts ({}); checking the accounts with assignments only", e.getMessage());
        }
        return List.copyOf(accounts);
    }

    private void enqueue(List<String> accounts) {
        String queue = config.driftQueue().orElseThrow();
        String url = queue.startsWith("http") ? queue : sqs.getQueueUrl(r -> r.queueName(queue)).queueUrl();
        String runId = UUID.randomUUID().toString();
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
