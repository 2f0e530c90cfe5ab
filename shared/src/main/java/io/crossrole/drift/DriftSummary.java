package io.crossrole.drift;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crossrole.lambda.Telemetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;

/**
 * What one drift run (or one worker's share of it) found: logged as one JSON line and published as
 * CloudWatch metrics in Embedded Metric Format (namespace {@code Crossrole}).
 */
public final class DriftSummary {
    private static final ObjectMapper JSON = new ObjectMapper();

    private int accountsChecked;
    private int inSync;
    private int drifted;
    private int repairsQueued;
    private int expiredRevoked;
    private int orphans;
    private int failed;
    private int queued;
    private int missing;
    private final List<String> findings = new ArrayList<>();

    public synchronized void add(AccountCheck check) {
        accountsChecked++;
        inSync += check.inSync();
        drifted += check.drifted();
        repairsQueued += check.repairsQueued();
        orphans += check.orphans();
        failed += check.failed() ? 1 : 0;
        findings.addAll(check.findings());
    }

    public synchronized void expiredRevoked(int count) {
        expiredRevoked += count;
    }

    /** Accounts a grant covers that had no assignment: recorded for the checks to report or create. */
    public synchronized void missing(int assignments) {
        missing += assignments;
    }

    public synchronized void queued(int accounts) {
        queued += accounts;
    }

    public synchronized Map<String, Object> toMap(String mode, Duration duration) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", mode);
        out.put("accountsChecked", accountsChecked);
        out.put("accountsQueued", queued);
        out.put("inSync", inSync);
        out.put("drifted", drifted);
        out.put("repairsQueued", repairsQueued);
        out.put("expiredRevoked", expiredRevoked);
        out.put("orphans", orphans);
        out.put("missing", missing);
        out.put("failed", failed);
        out.put("durationMs", duration.toMillis());
        out.put("findings", List.copyOf(findings));
        return out;
    }

    /** One JSON log line and one EMF document. */
    public void publish(Logger log, String mode, Duration duration) {
        Map<String, Object> summary = toMap(mode, duration);
        try {
            Map<String, Object> line = new LinkedHashMap<>(summary);
            line.remove("findings");
            log.info("drift summary {}", JSON.writeValueAsString(line));
        } catch (JsonProcessingException e) {
            log.info("drift summary {}", summary);
        }
        DimensionSet dimensions = DimensionSet.of("Service", "crossrole", "DriftMode", mode);
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("AccountsChecked", (long) accountsChecked);
        counts.put("RolesInSync", (long) inSync);
        counts.put("RolesDrifted", (long) drifted);
        counts.put("RepairsQueued", (long) repairsQueued);
        counts.put("GrantsExpiredRevoked", (long) expiredRevoked);
        counts.put("OrphanRoles", (long) orphans);
        counts.put("AssignmentsMissing", (long) missing);
        counts.put("AccountsFailed", (long) failed);
        Telemetry.publish(dimensions, counts, Map.of("DriftRunDuration", duration.toMillis()));    }
}
