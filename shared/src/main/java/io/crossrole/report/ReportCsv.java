package io.crossrole.report;

import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The access report's rows as CSV (RFC 4180: comma-separated, fields quoted when they hold a comma, quote or line
 * break; lists joined with a space; a field starting with {@code = + - @} gets a leading {@code '} so that no
 * spreadsheet runs it as a formula), one line per grant × owner account.
 *
 * <pre>{@code
 * Files.writeString(dir.resolve("access-report.csv"), ReportCsv.render(report));
 * }</pre>
 */
public final class ReportCsv {
    static final List<String> HEADER = List.of("grantId", "owner", "kind", "access", "principals", "requireMfa", "requireExternalId",
            "expiresAt", "permissions", "boundary", "granteeAllow", "granteeDeny", "status", "message", "lastUsed", "lastUsedRegion",
            "updatedAt", "unused", "expiringSoon");

    private ReportCsv() {
    }

    public static String render(AccessReport report) {
        StringBuilder out = new StringBuilder(line(HEADER.stream()));
        for (AccessRow r : report.rows()) {
            out.append(line(Stream.of(r.grantId(), r.owner(), r.kind().name(), join(r.access()), join(r.principals()),
                    String.valueOf(r.requireMfa()), String.valueOf(r.requireExternalId()),
                    r.expiresAt().map(Instant::toString).orElse(""), join(r.permissions()), r.boundary().orElse(""),
                    join(r.granteeAllow()), join(r.granteeDeny()), r.status().name(), r.message(),
                    r.lastUsed().map(Instant::toString).orElse(""), r.lastUsedRegion().orElse(""), r.updatedAt().toString(),
                    String.valueOf(r.unused()), String.valueOf(r.expiringSoon()))));
        }
        return out.toString();
    }

    private static String line(Stream<String> fields) {
        return fields.map(ReportCsv::field).collect(Collectors.joining(",")) + "\r\n";
    }

    static String field(String text) {
        // a cell a spreadsheet would run as a formula (CSV injection) is kept as text
        String value = !text.isEmpty() && "=+-@".indexOf(text.charAt(0)) >= 0 ? "'" + text : text;
        if (value.contains(",") || value.contains("\"") || value.contains("\n") || value.contains("\r")) {
            return "\"" + value.replace("\"", "\"\"") + "\"";
        }
        return value;
    }

    private static String join(List<String> values) {
        return String.join(" ", values);
    }
}
