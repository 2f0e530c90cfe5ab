package io.crossrole.store;

import io.crossrole.failure.AwsFailures;
import io.crossrole.failure.ProvisioningException;
import io.crossrole.lambda.InvocationMetrics;
import io.crossrole.role.RoleUse;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The one write path for statuses: the worker's outcomes, the drift check's findings, the producers' notes on
 * targets that cannot be expanded. Each write is logged once (with grantId and accountId keys) and counted in the
 * invocation's metrics ({@code AssignmentsProvisioned}, {@code AssignmentsFailed}, …).
 *
 * <pre>{@code
 * recorder.record(new AssignmentRecorder.Status("prod-updateapp", new AssignmentKey.Owner(prod),
 *         AssignmentStatus.PROVISIONED, "UpdateApp", roleArn, hash, "role matches the grant"));
 * }</pre>
 */
public final class AssignmentRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(AssignmentRecorder.class);
    static final int MAX_MESSAGE = 1800;

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;
    private final InvocationMetrics metrics;

    public AssignmentRecorder(DynamoDbClient dynamo, String table, Clock clock, InvocationMetrics metrics) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * A status to write, with the role it concerns when known ({@code null} fields are left as they are).
     *
     * @param message   in words, for a person; cut at 1,800 characters
     * @param resources a resource-policy grant's resources whose policies hold its statement ({@code null}: left as is)
     */
    public record Status(String grantId, AssignmentKey key, AssignmentStatus status, String roleName, String roleArn,
                         String desiredHash, String message, List<String> resources) {

        public Status(String grantId, AssignmentKey key, AssignmentStatus status, String roleName, String roleArn,
                      String desiredHash, String message) {
            this(grantId, key, status, roleName, roleArn, desiredHash, message, null);
        }
    }

    /** Writes the status. */
    public void record(Status s) {
        write(s, null);
    }

    /**
     * Writes the status only if the assignment was not written since the caller read it (its {@code attempts} still
     * {@code expectedAttempts}, or no status yet when that is 0): a reader that took its time (the drift check in
     * report mode) never overwrites what the worker recorded meanwhile.
     *
     * @return false when a newer status was kept
     */
    public boolean recordIf(Status s, long expectedAttempts) {
        return write(s, expectedAttempts);
    }

    /**
     * As {@link #recordIf}, against the status the caller read, and nothing is written when that status already says
     * the same (status, message, role): a check that finds what it found last time writes no item.
     *
     * @return true when the status was written
     */
    public boolean recordIfChanged(Status s, Assignment read) {
        boolean same = read.status() == s.status() && read.message().equals(stored(s.message()))
                && (s.roleName() == null || read.roleName().equals(Optional.of(s.roleName())))
                && (s.roleArn() == null || read.roleArn().equals(Optional.of(s.roleArn())));
        return !same && write(s, read.attempts());
    }

    /**
     * Records when a role was last used, on its existing status (never creating one, never counting as a status
     * write: {@code attempts} is unchanged, so no status writer's condition fails because of it).
     */
    public void lastUsed(String grantId, AssignmentKey key, RoleUse use) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":at", AttributeValue.fromS(use.at().toString()));
        String update = "SET lastUsedAt = :at";
        if (use.region().isPresent()) {
            update += ", lastUsedRegion = :region";
            values.put(":region", AttributeValue.fromS(use.region().get()));
        } else {
            update += " REMOVE lastUsedRegion";
        }
        String expression = update;
        try {
            dynamo.updateItem(r -> r.tableName(table)
                    .key(Map.of("grantId", AttributeValue.fromS(grantId), "accountId", AttributeValue.fromS(key.stored())))
                    .updateExpression(expression)
                    .conditionExpression("attribute_exists(#status)")
                    .expressionAttributeNames(Map.of("#status", "status"))
                    .expressionAttributeValues(values));
            LOG.debug("grantId={} accountId={} role last used {}", grantId, key.stored(), use);
        } catch (ConditionalCheckFailedException gone) {
            LOG.debug("grantId={} accountId={} has no status any more; its role's last use is not recorded", grantId, key.stored());
        } catch (RuntimeException e) {
            throw new ProvisioningException("cannot record a role's last use in " + table + ": " + AwsFailures.message(e),
                    AwsFailures.isRetryable(e), e);
        }
    }

    /** Remembers that the grant stream enqueued every reconcile of this version of the grant's record. */
    public void markFannedOut(String grantId, String version) {
        try {
            dynamo.updateItem(r -> r.tableName(table)
                    .key(Map.of("grantId", AttributeValue.fromS(grantId), "accountId", AttributeValue.fromS(AssignmentStore.STREAM_MARK)))
                    .updateExpression("SET version = :v, updatedAt = :now")
                    .expressionAttributeValues(Map.of(":v", AttributeValue.fromS(version), ":now",
                            AttributeValue.fromS(Instant.now(clock).toString()))));
        } catch (RuntimeException e) {
            throw new ProvisioningException("cannot record the fan-out in " + table + ": " + AwsFailures.message(e),
                    AwsFailures.isRetryable(e), e);
        }
    }

    private boolean write(Status s, Long expectedAttempts) {
        String text = stored(s.message());
        Map<String, AttributeValue> values = new HashMap<>();
        StringBuilder set = new StringBuilder("SET #status = :status, #message = :message, updatedAt = :now");
        values.put(":status", AttributeValue.fromS(s.status().name()));
        values.put(":message", AttributeValue.fromS(text));
        values.put(":now", AttributeValue.fromS(Instant.now(clock).toString()));
        values.put(":one", AttributeValue.fromN("1"));
        optionalSet(set, values, "roleName", s.roleName());
        optionalSet(set, values, "roleArn", s.roleArn());
        optionalSet(set, values, "desiredHash", s.desiredHash());
        if (s.resources() != null) {
            set.append(", resources = :resources");
            values.put(":resources", AttributeValue.fromL(s.resources().stream().map(AttributeValue::fromS).toList()));
        }
        String condition = null;
        if (expectedAttempts != null) {
            condition = expectedAttempts == 0 ? "attribute_not_exists(attempts)" : "attempts = :read";
            if (expectedAttempts != 0) {
                values.put(":read", AttributeValue.fromN(Long.toString(expectedAttempts)));
            }
        }
        UpdateItemRequest request = UpdateItemRequest.builder()
                .tableName(table)
                .key(Map.of("grantId", AttributeValue.fromS(s.grantId()), "accountId", AttributeValue.fromS(s.key().stored())))
                .updateExpression(set + " ADD attempts :one")
                .conditionExpression(condition)
                .expressionAttributeNames(Map.of("#status", "status", "#message", "message"))
                .expressionAttributeValues(values)
                .build();
        try {
            dynamo.updateItem(request);
        } catch (ConditionalCheckFailedException e) {
            LOG.info("grantId={} accountId={} status {} not recorded: a newer status was written meanwhile", s.grantId(),
                    s.key().stored(), s.status());
            return false;
        } catch (RuntimeException e) {
            throw new ProvisioningException("cannot record status in " + table + ": " + AwsFailures.message(e),
                    AwsFailures.isRetryable(e), e);
        }
        String status = s.status().name();
        metrics.increment("Assignments" + status.charAt(0) + status.substring(1).toLowerCase(Locale.ROOT));
        try (var g = MDC.putCloseable("grantId", s.grantId()); var a = MDC.putCloseable("accountId", s.key().stored())) {
            LOG.info("grantId={} accountId={} status={} {}", s.grantId(), s.key().stored(), s.status(), text);
        }
        return true;
    }

    /** A message as the table keeps it: cut at {@link #MAX_MESSAGE} characters. */
    private static String stored(String message) {
        return message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) + "…" : message;
    }

    private static void optionalSet(StringBuilder set, Map<String, AttributeValue> values, String name, String value) {
        if (value != null) {
            set.append(", ").append(name).append(" = :").append(name);
            values.put(":" + name, AttributeValue.fromS(value));
        }
    }
}
