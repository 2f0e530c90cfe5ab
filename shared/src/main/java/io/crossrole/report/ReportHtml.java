package io.crossrole.report;

import io.crossrole.store.AssignmentStatus;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The access report as one self-contained HTML page (styles, picture and filter script inline; nothing is fetched when
 * it is viewed): the figures and a picture of who reaches where first, then the grantee × owner matrix, then every
 * grant × owner account row with filters by grant, account and status. Roles unused for the report's window and
 * grants expiring within 7 days are highlighted. Filters can be given in the address too:
 * {@code access-report.html#grant=app-deploy&account=1111&status=FAILED}.
 *
 * <pre>{@code
 * Files.writeString(dir.resolve("access-report.html"), ReportHtml.render(report));
 * }</pre>
 */
public final class ReportHtml {
    /** Owner accounts drawn in the picture; the rest are counted in one "more" node. */
    static final int PICTURE_OWNERS = 24;
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    private ReportHtml() {
    }

    public static String render(AccessReport report) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Crossrole access report ").append(esc(MINUTE.format(report.generatedAt()))).append("</title>\n")
                .append("<style>").append(STYLE).append("</style>\n</head>\n<body>\n");
        header(h, report);
        picture(h, report);
        matrix(h, report);
        details(h, report);
        h.append("<script>").append(SCRIPT).append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void header(StringBuilder h, AccessReport report) {
        AccessReport.Summary s = report.summary();
        h.append("<header>\n<h1>Who can get into which account</h1>\n<p class=\"lede\">From the Grants and Assignments tables at ")
                .append(esc(MINUTE.format(report.generatedAt()))).append(". External IDs are never shown, only whether one is required.</p>\n")
                .append("<div class=\"tiles\" id=\"tiles\">\n");
        tile(h, "grants", s.grants(), "grants", "");
        tile(h, "owners", s.ownerAccounts(), "owner accounts", "");
        tile(h, "grantees", s.granteeAccounts(), "grantee accounts", "");
        for (AssignmentStatus status : AssignmentStatus.values()) {
            int n = s.byStatus().getOrDefault(status, 0);
            if (n > 0 || status == AssignmentStatus.FAILED || status == AssignmentStatus.PROVISIONED) {
                tile(h, "status-" + status.name(), n, status.name(), "st-" + status.name());
            }
        }
        tile(h, "unused", s.unused(), "unused for " + report.unusedAfter().toDays() + " days", s.unused() > 0 ? "warn" : "");
        tile(h, "expiring", s.expiringSoon(), "expire within 7 days", s.expiringSoon() > 0 ? "warn" : "");
        h.append("</div>\n</header>\n");
    }

    private static void tile(StringBuilder h, String id, int value, String label, String cls) {
        h.append("<div class=\"tile ").append(cls).append("\" id=\"tile-").append(esc(id)).append("\"><b>").append(value)
                .append("</b><span>").append(esc(label)).append("</span></div>\n");
    }

    /** Grantee accounts on the left, owner accounts on the right, one line per pair that can reach, thicker with more grants. */
    private static void picture(StringBuilder h, AccessReport report) {
        Map<String, Map<String, Set<String>>> matrix = report.matrix();
        Map<String, Integer> ownerWeight = new TreeMap<>();
        matrix.values().forEach(owners -> owners.forEach((owner, grants) -> ownerWeight.merge(owner, grants.size(), Integer::sum)));
        List<String> owners = ownerWeight.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(PICTURE_OWNERS).map(Map.Entry::getKey).sorted().toList();
        int hidden = ownerWeight.size() - owners.size();
        List<String> grantees = List.copyOf(matrix.keySet());
        Map<String, AssignmentStatus> worst = worstStatus(report);
        int rows = Math.max(Math.max(grantees.size(), owners.size() + (hidden > 0 ? 1 : 0)), 1);
        int height = 40 + rows * 34;
        h.append("<section id=\"picture\">\n<h2>Who reaches where</h2>\n");
        if (matrix.isEmpty()) {
            h.append("<p>No grant gives access to any account right now.</p>\n</section>\n");
            return;
        }
        h.append("<svg id=\"reach\" role=\"img\" aria-label=\"grantee accounts and the owner accounts they can reach\" viewBox=\"0 0 900 ")
                .append(height).append("\" width=\"900\" height=\"").append(height).append("\">\n")
                .append("<text x=\"20\" y=\"22\" class=\"axis\">grantee accounts</text><text x=\"880\" y=\"22\" class=\"axis\" ")
                .append("text-anchor=\"end\">owner accounts</text>\n");
        Map<String, Integer> y = new TreeMap<>();
        for (int i = 0; i < owners.size(); i++) {
            y.put("o" + owners.get(i), 50 + i * 34 + (rows - owners.size() - (hidden > 0 ? 1 : 0)) * 17);
        }
        for (int i = 0; i < grantees.size(); i++) {
            y.put("g" + grantees.get(i), 50 + i * 34 + (rows - grantees.size()) * 17);
        }
        for (String grantee : grantees) {
            for (Map.Entry<String, Set<String>> edge : matrix.get(grantee).entrySet()) {
                Integer to = y.get("o" + edge.getKey());
                if (to == null) {
                    continue;
                }
                AssignmentStatus status = worst.getOrDefault(grantee + "/" + edge.getKey(), AssignmentStatus.PROVISIONED);
                h.append("<path class=\"edge st-").append(status.name()).append("\" d=\"M 250 ").append(y.get("g" + grantee))
                        .append(" C 450 ").append(y.get("g" + grantee)).append(", 450 ").append(to).append(", 650 ").append(to)
                        .append("\" stroke-width=\"").append(Math.min(2 + 2 * edge.getValue().size(), 14)).append("\"><title>")
                        .append(esc(grantee + " → " + edge.getKey() + ": " + String.join(", ", edge.getValue()))).append("</title></path>\n");
            }
        }
        for (String grantee : grantees) {
            node(h, 20, y.get("g" + grantee), grantee, matrix.get(grantee).size() + " account(s)", "start");
        }
        for (String owner : owners) {
            node(h, 650, y.get("o" + owner), owner, ownerWeight.get(owner) + " grant(s)", "start");
        }
        if (hidden > 0) {
            int last = 50 + owners.size() * 34 + (rows - owners.size() - 1) * 17;
            h.append("<text x=\"660\" y=\"").append(last + 5).append("\" class=\"more\">+ ").append(hidden)
                    .append(" more owner accounts (see the matrix)</text>\n");
        }
        h.append("</svg>\n<p class=\"legend\"><span class=\"key st-PROVISIONED\"></span>provisioned <span class=\"key st-DRIFTED\"></span>")
                .append("drifted (changed outside Crossrole)</p>\n</section>\n");
    }

    private static void node(StringBuilder h, int x, int y, String account, String note, String anchor) {
        h.append("<g class=\"node\"><rect x=\"").append(x).append("\" y=\"").append(y - 13).append("\" width=\"230\" height=\"26\" rx=\"5\"/>")
                .append("<text x=\"").append(x + 8).append("\" y=\"").append(y + 4).append("\" text-anchor=\"").append(anchor).append("\">")
                .append(esc(account)).append(" <tspan class=\"note\">").append(esc(note)).append("</tspan></text></g>\n");
    }

    /** For each grantee/owner pair, DRIFTED if any of its usable rows drifted. */
    private static Map<String, AssignmentStatus> worstStatus(AccessReport report) {
        Map<String, AssignmentStatus> out = new TreeMap<>();
        for (AccessRow row : report.rows()) {
            if (row.status() != AssignmentStatus.DRIFTED) {
                continue;
            }
            row.granteeAccounts().forEach(grantee -> out.put(grantee + "/" + row.owner(), AssignmentStatus.DRIFTED));
        }
        return out;
    }

    private static void matrix(StringBuilder h, AccessReport report) {
        Map<String, Map<String, Set<String>>> matrix = report.matrix();
        List<String> grantees = List.copyOf(matrix.keySet());
        Set<String> owners = new TreeSet<>();
        matrix.values().forEach(o -> owners.addAll(o.keySet()));
        h.append("<section id=\"matrix\">\n<h2>Grantee accounts × owner accounts</h2>\n<p>Each cell lists the grants through which")
                .append(" principals of the grantee account (column) can get into the owner account (row) now.</p>\n");
        if (owners.isEmpty()) {
            h.append("<p>None.</p>\n</section>\n");
            return;
        }
        h.append("<table id=\"matrix-table\">\n<thead><tr><th>owner \\ grantee</th>");
        grantees.forEach(g -> h.append("<th data-grantee=\"").append(esc(g)).append("\">").append(esc(g)).append("</th>"));
        h.append("</tr></thead>\n<tbody>\n");
        for (String owner : owners) {
            h.append("<tr data-owner=\"").append(esc(owner)).append("\"><th>").append(esc(owner)).append("</th>");
            for (String grantee : grantees) {
                Set<String> grants = matrix.get(grantee).getOrDefault(owner, Set.of());
                h.append("<td data-grantee=\"").append(esc(grantee)).append("\" data-grants=\"").append(esc(String.join(" ", grants)))
                        .append("\"").append(grants.isEmpty() ? "" : " class=\"reach\"").append(">");
                grants.forEach(g -> h.append("<span class=\"chip\">").append(esc(g)).append("</span>"));
                h.append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n</section>\n");
    }

    private static void details(StringBuilder h, AccessReport report) {
        Set<String> grants = new TreeSet<>();
        report.rows().forEach(r -> grants.add(r.grantId()));
        h.append("<section id=\"details\">\n<h2>Every grant in every account</h2>\n<form id=\"filters\" onsubmit=\"return false\">")
                .append("<label>grant <select id=\"filter-grant\"><option value=\"\">all</option>");
        grants.forEach(g -> h.append("<option>").append(esc(g)).append("</option>"));
        h.append("</select></label> <label>account <input id=\"filter-account\" placeholder=\"owner or grantee account\" size=\"24\">")
                .append("</label> <label>status <select id=\"filter-status\"><option value=\"\">all</option>");
        for (AssignmentStatus s : AssignmentStatus.values()) {
            h.append("<option>").append(s.name()).append("</option>");
        }
        h.append("</select></label> <label><input type=\"checkbox\" id=\"filter-attention\"> only unused, expiring, failed or drifted</label>")
                .append("</form>\n<p id=\"shown\"></p>\n<table id=\"rows\">\n<thead><tr><th>grant</th><th>owner account</th><th>access</th>")
                .append("<th>trusted principals</th><th>conditions</th><th>permissions</th><th>grantees</th><th>status</th>")
                .append("<th>last used</th></tr></thead>\n<tbody>\n");
        List<AccessRow> rows = new ArrayList<>(report.rows());
        rows.sort(Comparator.comparing(AccessRow::grantId).thenComparing(AccessRow::owner));
        for (AccessRow r : rows) {
            List<String> classes = new ArrayList<>();
            if (r.unused()) {
                classes.add("unused");
            }
            if (r.expiringSoon()) {
                classes.add("expiring");
            }
            boolean attention = r.unused() || r.expiringSoon() || r.status() == AssignmentStatus.FAILED
                    || r.status() == AssignmentStatus.DRIFTED;
            Set<String> accounts = new TreeSet<>();
            accounts.add(r.owner());
            accounts.addAll(r.granteeAccounts());
            h.append("<tr data-grant=\"").append(esc(r.grantId())).append("\" data-owner=\"").append(esc(r.owner()))
                    .append("\" data-accounts=\"").append(esc(String.join(" ", accounts))).append("\" data-status=\"")
                    .append(r.status().name()).append("\" data-attention=\"").append(attention).append("\"")
                    .append(classes.isEmpty() ? "" : " class=\"" + String.join(" ", classes) + "\"").append(">");
            cell(h, r.grantId() + (r.kind() == AccessRow.Kind.RESOURCE ? " (resource policy)" : ""));
            h.append("<td class=\"account\">").append(esc(r.owner())).append("</td>");
            list(h, r.access());
            list(h, r.principals());
            List<String> conditions = new ArrayList<>();
            if (r.requireMfa()) {
                conditions.add("MFA");
            }
            if (r.requireExternalId()) {
                conditions.add("external ID");
            }
            r.expiresAt().ifPresent(e -> conditions.add((r.expiringSoon() ? "expires soon: " : "until ") + DAY.format(e)));
            r.boundary().ifPresent(b -> conditions.add("boundary " + b));
            list(h, conditions);
            list(h, r.permissions());
            List<String> grantees = new ArrayList<>();
            r.granteeAllow().forEach(g -> grantees.add("allow " + g));
            r.granteeDeny().forEach(g -> grantees.add("deny " + g));
            list(h, grantees);
            h.append("<td><span class=\"status st-").append(r.status().name()).append("\">").append(r.status().name())
                    .append("</span><div class=\"msg\">").append(esc(r.message())).append("</div></td>");
            cell(h, r.lastUsed().map(t -> DAY.format(t) + r.lastUsedRegion().map(x -> " " + x).orElse(""))
                    .orElse(r.kind() == AccessRow.Kind.ROLE && r.canBeUsed() ? "never (recorded)" : "—") + (r.unused() ? " · unused" : ""));
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n</section>\n");
    }

    private static void cell(StringBuilder h, String text) {
        h.append("<td>").append(esc(text)).append("</td>");
    }

    private static void list(StringBuilder h, List<String> items) {
        h.append("<td>");
        items.forEach(i -> h.append("<div>").append(esc(i)).append("</div>"));
        h.append("</td>");
    }

    /** HTML-escapes text for element content and quoted attribute values. */
    static String esc(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static final String STYLE = """
            :root{--ok:#1a7f37;--bad:#cf222e;--drift:#bf8700;--muted:#57606a;--line:#d0d7de;--warn:#fff1c2}
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1f2328}
            h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}.lede{color:var(--muted);margin:0 0 12px}
            .tiles{display:flex;flex-wrap:wrap;gap:8px}.tile{border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:96px}
            .tile b{display:block;font-size:22px}.tile span{color:var(--muted)}.tile.warn{background:var(--warn)}
            .tile.st-FAILED b{color:var(--bad)}.tile.st-PROVISIONED b{color:var(--ok)}.tile.st-DRIFTED b{color:var(--drift)}
            svg text{font-size:12px;fill:#1f2328}.axis{fill:var(--muted)!important;font-weight:600}.note{fill:var(--muted)}
            .node rect{fill:#f6f8fa;stroke:var(--line)}.edge{fill:none;stroke:var(--ok);stroke-opacity:.55}
            .edge.st-DRIFTED{stroke:var(--drift)}.more{fill:var(--muted)}
            .legend{color:var(--muted)}.key{display:inline-block;width:18px;height:4px;margin:0 4px 3px 10px;background:var(--ok)}
            .key.st-DRIFTED{background:var(--drift)}
            table{border-collapse:collapse;width:100%}th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
            thead th{background:#f6f8fa;position:sticky;top:0}#rows{font-size:13px}#rows td{overflow-wrap:anywhere}#rows td.account{overflow-wrap:normal;white-space:nowrap}#matrix-table td.reach{background:#dafbe1}#matrix-table td.dim{opacity:.25}
            .chip{display:inline-block;background:#fff;border:1px solid var(--line);border-radius:10px;padding:0 6px;margin:1px}
            .status{font-weight:600}.status.st-FAILED{color:var(--bad)}.status.st-PROVISIONED{color:var(--ok)}
            .status.st-DRIFTED{color:var(--drift)}.status.st-REVOKED,.status.st-PENDING{color:var(--muted)}
            .msg{color:var(--muted);font-size:12px;max-width:420px}tr.unused,tr.expiring{background:var(--warn)}
            #filters{margin:8px 0}#filters label{margin-right:12px}#shown{color:var(--muted)}
            """;

    private static final String SCRIPT = """
            (function(){
            var g=document.getElementById('filter-grant'),a=document.getElementById('filter-account'),
            s=document.getElementById('filter-status'),n=document.getElementById('filter-attention');
            function apply(){
            var rows=document.querySelectorAll('#rows tbody tr'),shown=0,acct=a.value.trim();
            rows.forEach(function(r){
            var ok=(!g.value||r.dataset.grant===g.value)&&(!s.value||r.dataset.status===s.value)
            &&(!acct||r.dataset.accounts.split(' ').some(function(x){return x.indexOf(acct)===0}))
            &&(!n.checked||r.dataset.attention==='true');
            r.hidden=!ok;if(ok){shown++}});
            document.querySelectorAll('#matrix-table tbody tr').forEach(function(r){
            r.hidden=!!acct&&r.dataset.owner.indexOf(acct)!==0&&!Array.prototype.some.call(r.querySelectorAll('td.reach'),
            function(c){return c.dataset.grantee.indexOf(acct)===0})});
            document.querySelectorAll('#matrix-table td').forEach(function(c){
            c.classList.toggle('dim',!!g.value&&c.dataset.grants.split(' ').indexOf(g.value)<0)});
            document.getElementById('shown').textContent=shown+' of '+rows.length+' rows shown';}
            var h=new URLSearchParams(location.hash.slice(1));
            if(h.get('grant')){g.value=h.get('grant')}if(h.get('account')){a.value=h.get('account')}
            if(h.get('status')){s.value=h.get('status')}if(h.get('attention')){n.checked=true}
            [g,s,n].forEach(function(e){e.addEventListener('change',apply)});a.addEventListener('input',apply);apply();
            })();
            """;
}
