package io.crossrole.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * The access report as JSON: {@code generatedAt}, {@code unusedAfterDays}, {@code summary}, {@code matrix} and
 * {@code rows} (one object per grant × owner account, fields as {@link AccessRow} names them; absent values are
 * {@code null}).
 *
 * <pre>{@code
 * Files.writeString(dir.resolve("access-report.json"), ReportJson.render(report));
 * }</pre>
 */
public final class ReportJson {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportJson() {
    }

    public static String render(AccessReport report) {
        try {
            return JSON.writeValueAsString(tree(report));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode tree(AccessReport report) {
        ObjectNode root = JSON.createObjectNode();
        root.put("generatedAt", report.generatedAt().toString());
        root.put("unusedAfterDays", report.unusedAfter().toDays());
        ObjectNode summary = root.putObject("summary");
        AccessReport.Summary s = report.summary();
        summary.put("grants", s.grants());
        summary.put("ownerAccounts", s.ownerAccounts());
        summary.put("granteeAccounts", s.granteeAccounts());
        ObjectNode byStatus = summary.putObject("byStatus");
        s.byStatus().forEach((status, count) -> byStatus.put(status.name(), count));
        summary.put("unused", s.unused());
        summary.put("expiringSoon", s.expiringSoon());
        ObjectNode matrix = root.putObject("matrix");
        report.matrix().forEach((grantee, owners) -> {
            ObjectNode row = matrix.putObject(grantee);
            owners.forEach((owner, grants) -> strings(row.putArray(owner), List.copyOf(grants)));
        });
        ArrayNode rows = root.putArray("rows");
        for (AccessRow r : report.rows()) {
            ObjectNode o = rows.addObject();
            o.put("grantId", r.grantId());
            o.put("owner", r.owner());
            o.put("kind", r.kind().name());
            strings(o.putArray("access"), r.access());
            strings(o.putArray("principals"), r.principals());
            o.put("requireMfa", r.requireMfa());
            o.put("requireExternalId", r.requireExternalId());
            o.put("expiresAt", r.expiresAt().map(Instant::toString).orElse(null));
            strings(o.putArray("permissions"), r.permissions());
            o.put("boundary", r.boundary().orElse(null));
            strings(o.putArray("granteeAllow"), r.granteeAllow());
            strings(o.putArray("granteeDeny"), r.granteeDeny());
            o.put("status", r.status().name());
            o.put("message", r.message());
            o.put("lastUsed", r.lastUsed().map(Instant::toString).orElse(null));
            o.put("lastUsedRegion", r.lastUsedRegion().orElse(null));
            o.put("updatedAt", r.updatedAt().toString());
            o.put("unused", r.unused());
            o.put("expiringSoon", r.expiringSoon());
        }
        return root;
    }

    private static void strings(ArrayNode into, List<String> values) {
        values.forEach(into::add);
    }
}
