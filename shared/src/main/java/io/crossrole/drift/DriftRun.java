package io.crossrole.drift;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.config.CrossroleConfig.DriftMode;
import io.crossrole.iam.IamRoleApplier;
import io.crossrole.iam.IamRoleReader;
import io.crossrole.model.AccountId;
import io.crossrole.org.OrganizationReader;
import io.crossrole.provision.GrantRevoker;
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
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
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

    private final CrossroleConfig config;
    private final DriftChecker checker;
    private final GrantRevoker revoker;
    private final AssignmentStore assignments;
    private final GrantStore grants;
    private final DynamoDbClient dynamo;
    private final OrganizationsClient organizations;
    private final SqsClient sqs;
    private final Clock clock;
    private final io.crossrole.internal.InvocationMetrics metrics = new io.crossrole.internal.InvocationMetrics();

    public DriftRun(CrossroleConfig config, DriftChecker checker, GrantRevoker revoker, AssignmentStore assignments,
                    GrantStore grants, DynamoDbClient dynamo, OrganizationsClient organizations, SqsClient sqs, Clock clock) {
        this.config = config;
        this.checker = checker;
        this.revoker = revoker;
        this.assignments = assignments;
        this.grants = grants;
        this.dynamo = dynamo;
        this.organizations = organizations;
        this.sqs = sqs;
        this.clock = clock;
    }

    /** Wires a run from configuration: what the drift functions' constructors call. */
    public static DriftRun create(CrossroleConfig config, AwsClientFactory clients, String sessionName, Backoff backoff, Clock clock) {
        io.crossrole.provision.Wiring w = io.crossrole.provision.Wiring.of(config, clients, sessionName, backoff, clock);
        GrantStore grantStore = new GrantStore(w.dynamo(), config.grantsTable());
        DriftChecker checker = new DriftChecker(w.access(), new IamRoleReader(), new IamRoleApplier(backoff), w.store(), grantStore,
                w.parser(), config.partition(), clock);
        return new DriftRun(config, checker, new GrantRevoker(w.parser(), w.provisioner()), w.store(), grantStore, w.dynamo(),
                clients.organizations(), config.driftQueue().isPresent() ? clients.client(SqsClient.builder()) : null, clock);
    }

    /** Drift runs publish their own summary; this is for the invocation's other counts. */
    public io.crossrole.internal.InvocationMetrics metrics() {
        return metrics;
    }

    /** The scheduled run: expiry, then fan-out (or, without a queue, the checks themselves). */
    public Map<String, Object> scheduled() {
        Instant started = clock.instant();
        DriftSummary summary = new DriftSummary();
        String mode = config.driftMode().name().toLowerCase(java.util.Locale.ROOT);
        summary.expiredRevoked(revokeExpired());
        List<String> accounts = accountsToCheck();
        if (config.driftQueue().isPresent()) {
            enqueue(accounts);
            summary.queued(accounts.size());
        } else {
            checkAll(accounts, config.driftMode(), summary);
        }
        Duration duration = Duration.between(started, clock.instant());
        summary.publish(LOG, mode, duration);
        return summary.toMap(mode, duration);
    }

    /** Checks the accounts of each queued message; a message that cannot be read is returned for retry (then the DLQ). */
    public SQSBatchResponse consume(SQSEvent event) {
        Instant started = clock.instant();
        DriftSummary summary = new DriftSummary();
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        DriftMode lastMode = config.driftMode();
        for (SQSEvent.SQSMessage message : event.getRecords() == null ? List.<SQSEvent.SQSMessage>of() : event.getRecords()) {
            try {
                JsonNode body = JSON.readTree(message.getBody());
                DriftMode mode = body.hasNonNull("mode") ? DriftMode.valueOf(body.get("mode").asText().toUpperCase(java.util.Locale.ROOT))
                        : config.driftMode();
                List<String> accounts = new ArrayList<>();
                body.path("accounts").forEach(a -> accounts.add(a.asText()));
                if (accounts.isEmpty() || !accounts.stream().allMatch(AccountId::isValid)) {
                    throw new IllegalArgumentException("the message must hold \"accounts\": [12-digit account IDs]");
                }
                checkAll(accounts, mode, summary);
                lastMode = mode;
            } catch (Exception e) {
                LOG.error("drift message {} cannot be processed: {}", message.getMessageId(), e.getMessage());
                failures.add(SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(message.getMessageId()).build());
            }
        }
        summary.publish(LOG, lastMode.name().toLowerCase(java.util.Locale.ROOT), Duration.between(started, clock.instant()));
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }

    /** Checks accounts concurrently, at most {@code DRIFT_CONCURRENCY} at a time. */
    public void checkAll(List<String> accounts, DriftMode mode, DriftSummary summary) {
        if (accounts.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(config.driftConcurrency(), accounts.size()));
        try {
            List<Future<AccountCheck>> results = new ArrayList<>();
            for (String account : accounts) {
                results.add(pool.submit(() -> checker.check(AccountId.of(account), mode)));
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
    int revokeExpired() {
        int revoked = 0;
        Instant now = clock.instant();
        for (Map<String, Object> raw : grants.all()) {
            if (!(raw.get("expiresAt") instanceof BigDecimal expires) || !(raw.get("grantId") instanceof String grantId)) {
                continue;
            }
            Instant at = Instant.ofEpochSecond(expires.longValue());
            if (at.isAfter(now)) {
                continue;
            }
            boolean retry = revoker.revokeEverywhere(grantId, raw, assignments.forGrant(grantId),
                    "grant expired at " + at + "; revoked by the drift check", Optional.empty());
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

    /** Every account with a live assignment, and every ACTIVE account of the organization but the management one. */
    List<String> accountsToCheck() {
        TreeSet<String> accounts = new TreeSet<>();
        assignments.all().stream()
                .filter(a -> a.isAccount() && a.status() != AssignmentStatus.REVOKED)
                .map(Assignment::accountId).forEach(accounts::add);
        try {
            OrganizationReader reader = new OrganizationReader(organizations);
            String management = reader.managementAccountId();
            reader.accounts().stream().filter(OrganizationReader::isActive).map(a -> a.id())
                    .filter(id -> !id.equals(management)).forEach(accounts::add);
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
            body.put("mode", config.driftMode().name().toLowerCase(java.util.Locale.ROOT));
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
