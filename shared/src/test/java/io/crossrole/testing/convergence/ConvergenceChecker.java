package io.crossrole.testing.convergence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.crossrole.testing.TestCrossrole;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.Account;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The independent side of the convergence test: from the final Grants table and the final organization it works out
 * what every account must hold — with its own few rules taken from the README's grant reference, not with Crossrole's
 * parser, planner or policy builders — and compares that with what IAM, the queue's policy, the Assignments table and
 * the reconcile queues hold. What people made outside Crossrole must be as they left it.
 */
final class ConvergenceChecker {
    private static final String DEFAULT_PATH = "/crossrole-managed/";
    private static final Set<String> LIVE = Set.of("PROVISIONED", "PENDING", "DRIFTED");
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");

    private final TestCrossrole crossrole;
    private final HandMade hand;
    private final List<String> divergences = new ArrayList<>();
    private final Instant now = Instant.now();

    ConvergenceChecker(TestCrossrole crossrole, HandMade hand) {
        this.crossrole = crossrole;
        this.hand = hand;
    }

    /** A grant as the table holds it, read with the README's rules. */
    private record GrantItem(String id, Map<String, AttributeValue> item) {
        boolean resource() {
            return item.containsKey("resourceArns");
        }

        Optional<String> s(String name) {
            return Optional.ofNullable(item.get(name)).map(AttributeValue::s);
        }

        List<String> list(String name) {
            AttributeValue v = item.get(name);
            if (v == null) {
                return List.of();
            }
            if (v.hasSs()) {
                return v.ss();
            }
            return v.l().stream().map(AttributeValue::s).toList();
        }

        Optional<Long> n(String name) {
            return Optional.ofNullable(item.get(name)).map(AttributeValue::n).map(Long::parseLong);
        }

        boolean flag(String name) {
            return Optional.ofNullable(item.get(name)).map(AttributeValue::bool).orElse(false);
        }

        /** The one invalid value histories write: a session shorter than IAM allows. */
        boolean valid() {
            return n("maxSessionDuration").map(s -> s >= 3600 && s <= 43200).orElse(true);
        }

        Optional<Instant> expiresAt() {
            return n("expiresAt").map(Instant::ofEpochSecond);
        }

        String roleName() {
            return s("roleName").orElseThrow();
        }

        String path() {
            return s("rolePath").orElse(DEFAULT_PATH);
        }

        Set<String> principals() {
            return list("trustedPrincipals").stream().map(p -> ACCOUNT.matcher(p).matches() ? "arn:aws:iam::" + p + ":root" : p)
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private record Status(String status, String message) {
    }

    List<String> check() {
        Organization org = Organization.read(crossrole);
        Map<String, GrantItem> grants = new TreeMap<>();
        crossrole.dynamo().scanPaginator(r -> r.tableName(crossrole.config().grantsTable()).consistentRead(true))
                .items().forEach(item -> grants.put(item.get("grantId").s(), new GrantItem(item.get("grantId").s(), item)));
        Map<String, Map<String, Status>> statuses = new TreeMap<>();
        crossrole.dynamo().scanPaginator(r -> r.tableName(crossrole.config().assignmentsTable()).consistentRead(true))
                .items().stream().filter(item -> item.containsKey("status"))  // not the stream's bookkeeping item
                .forEach(item -> statuses.computeIfAbsent(item.get("grantId").s(), k -> new TreeMap<>())
                        .put(item.get("accountId").s(), new Status(item.get("status").s(),
                                Optional.ofNullable(item.get("message")).map(AttributeValue::s).orElse(""))));

        Map<String, Set<String>> covered = new HashMap<>();
        for (GrantItem g : grants.values()) {
            if (!g.resource() && live(g)) {
                covered.put(g.id(), org.covered(g.list("targets")));
            }
        }
        checkRoles(org, grants, covered, statuses);
        checkGrantees(org, grants, covered, statuses);
        checkQueuePolicy(grants, statuses);
        checkStatuses(grants, covered, statuses);
        checkQueues();
        return List.copyOf(divergences);
    }

    private boolean live(GrantItem g) {
        return g.valid() && g.expiresAt().map(now::isBefore).orElse(true);
    }

    // ------------------------------------------------------------------ roles

    private void checkRoles(Organization org, Map<String, GrantItem> grants, Map<String, Set<String>> covered,
                            Map<String, Map<String, Status>> statuses) {
        for (String account : org.active()) {
            if (account.equals(World.MANAGEMENT)) {
                continue;
            }
            Map<String, RoleSnapshot> roles = new TreeMap<>();
            try (IamClient iam = crossrole.observerIam(account)) {
                for (Role role : iam.listRolesPaginator().roles()) {
                    if (!role.roleName().equals(crossrole.config().memberRoleName())) {
                        roles.put(role.roleName(), RoleSnapshot.read(iam, role.roleName()));
                    }
                }
            }
            for (RoleSnapshot role : roles.values()) {
                String key = account + "/" + role.name();
                RoleSnapshot made = hand.unmanagedRoles().get(key);
                if (made != null) {
                    if (!made.equals(role)) {
                        diverge("role %s in %s is not Crossrole's, yet it changed: %s -> %s", role.name(), account, made, role);
                    }
                    continue;
                }
                String owner = role.tags().get("crossrole:grant-id");
                if (owner == null) {
                    diverge("role %s in %s is neither Crossrole's nor made by the history", role.name(), account);
                    continue;
                }
                GrantItem g = grants.get(owner);
                if (g != null && !g.valid()) {
                    continue; // a refused grant leaves its roles as last provisioned
                }
                boolean wanted = g != null && covered.getOrDefault(owner, Set.of()).contains(account) && g.roleName().equals(role.name());
                if (!wanted) {
                    diverge("role %s in %s belongs to grant %s, which %s", role.name(), account, owner,
                            g == null ? "was deleted" : !live(g) ? "expired" : !covered.getOrDefault(owner, Set.of()).contains(account)
                                    ? "does not cover this account" : "names role " + g.roleName());
                    continue;
                }
                compare(g, account, role);
            }
            for (Map.Entry<String, Set<String>> c : covered.entrySet()) {
                if (!c.getValue().contains(account)) {
                    continue;
                }
                GrantItem g = grants.get(c.getKey());
                Status status = statuses.getOrDefault(g.id(), Map.of()).get(account);
                if (hand.unmanagedRoles().containsKey(account + "/" + g.roleName())) {
                    if (status == null || !status.status().equals("FAILED") || !status.message().contains("conflict")) {
                        diverge("grant %s in %s: role %s is someone else's; expected FAILED (conflict), status is %s", g.id(), account,
                                g.roleName(), status);
                    }
                    continue;
                }
                if (!roles.containsKey(g.roleName())) {
                    diverge("grant %s: role %s is missing in %s (status %s)", g.id(), g.roleName(), account, status);
                }
                if (status == null || !status.status().equals("PROVISIONED")) {
                    diverge("grant %s in %s: status %s, expected PROVISIONED", g.id(), account, status);
                }
            }
        }
    }

    private void compare(GrantItem g, String account, RoleSnapshot role) {
        String where = "grant " + g.id() + ", role " + role.name() + " in " + account + ": ";
        if (!role.path().equals(g.path())) {
            diverge(where + "path %s, expected %s", role.path(), g.path());
        }
        long session = g.n("maxSessionDuration").orElse(3600L);
        if (role.maxSession() != session) {
            diverge(where + "max session %d, expected %d", role.maxSession(), session);
        }
        Map<String, String> tags = new TreeMap<>();
        Optional.ofNullable(g.item().get("tags")).map(AttributeValue::m).ifPresent(m -> m.forEach((k, v) -> tags.put(k, v.s())));
        tags.put("crossrole:managed-by", "crossrole");
        tags.put("crossrole:grant-id", g.id());
        if (!role.tags().equals(tags)) {
            diverge(where + "tags %s, expected %s", role.tags(), tags);
        }
        Set<String> managed = new TreeSet<>(g.list("managedPolicyArns"));
        if (!role.managed().equals(managed)) {
            diverge(where + "managed policies %s, expected %s", role.managed(), managed);
        }
        if (!role.boundary().equals(g.s("permissionsBoundaryArn"))) {
            diverge(where + "boundary %s, expected %s", role.boundary(), g.s("permissionsBoundaryArn"));
        }
        Set<String> inline = new TreeSet<>();
        g.s("inlinePolicy").ifPresent(p -> inline.add("crossrole-permissions"));
        g.expiresAt().ifPresent(e -> inline.add("crossrole-expiry"));
        if (!role.inline().keySet().equals(inline)) {
            diverge(where + "inline policies %s, expected %s", role.inline().keySet(), inline);
        } else {
            g.s("inlinePolicy").ifPresent(p -> {
                if (!role.inline().get("crossrole-permissions").equals(HistoryRunner.read(p))) {
                    diverge(where + "crossrole-permissions is %s, expected %s", role.inline().get("crossrole-permissions"), p);
                }
            });
            g.expiresAt().ifPresent(e -> {
                List<JsonNode> expiry = statements(role.inline().get("crossrole-expiry"));
                JsonNode s = expiry.isEmpty() ? MissingNode.getInstance() : expiry.get(0);
                if (!s.path("Effect").asText().equals("Deny") || !texts(s.path("Action")).equals(Set.of("*"))
                        || !texts(s.path("Resource")).equals(Set.of("*"))
                        || !instant(s.path("Condition").path("DateGreaterThan").path("aws:CurrentTime")).equals(Optional.of(e))) {
                    diverge(where + "crossrole-expiry is %s, expected a Deny of * on * after %s", s, e);
                }
            });
        }
        List<JsonNode> statements = statements(role.trust());
        if (statements.size() != 1) {
            diverge(where + "trust policy has %d statements: %s", statements.size(), role.trust());
            return;
        }
        JsonNode trust = statements.get(0);
        if (!trust.path("Effect").asText().equals("Allow") || !texts(trust.path("Action")).equals(Set.of("sts:AssumeRole"))) {
            diverge(where + "trust statement %s is not an Allow of sts:AssumeRole", trust);
        }
        if (!texts(trust.path("Principal").path("AWS")).equals(g.principals())) {
            diverge(where + "trusts %s, expected %s", texts(trust.path("Principal").path("AWS")), g.principals());
        }
        Map<String, Map<String, String>> expected = new TreeMap<>();
        g.s("externalId").ifPresent(id -> expected.computeIfAbsent("StringEquals", k -> new TreeMap<>()).put("sts:ExternalId", id));
        if (g.flag("requireMfa")) {
            expected.computeIfAbsent("Bool", k -> new TreeMap<>()).put("aws:MultiFactorAuthPresent", "true");
        }
        Map<String, Map<String, String>> actual = conditions(trust.path("Condition"));
        Optional<Instant> notAfter = Optional.ofNullable(actual.getOrDefault("DateLessThan", Map.of()).get("aws:CurrentTime"))
                .map(Instant::parse);
        if (!notAfter.equals(g.expiresAt())) {
            diverge(where + "trust ends at %s, expected %s", notAfter, g.expiresAt());
        }
        actual.remove("DateLessThan");
        if (!actual.equals(expected)) {
            diverge(where + "trust conditions %s, expected %s", actual.keySet(), expected.keySet()); // values may be secret
        }
    }

    // ------------------------------------------------------------------ grantee groups

    private void checkGrantees(Organization org, Map<String, GrantItem> grants, Map<String, Set<String>> covered,
                               Map<String, Map<String, Status>> statuses) {
        try (IamClient iam = crossrole.observerIam(World.GRANTEE)) {
            for (String group : World.GROUPS) {
                String arn = World.groupArn(group);
                Map<String, JsonNode> policies = new TreeMap<>();
                for (String name : iam.listGroupPolicies(r -> r.groupName(group)).policyNames()) {
                    policies.put(name, HistoryRunner.read(HistoryRunner.decode(iam.getGroupPolicy(r -> r.groupName(group)
                            .policyName(name)).policyDocument())));
                }
                if (!policies.containsKey(World.GROUP_POLICY)) {
                    diverge("group %s lost its own policy %s", group, World.GROUP_POLICY);
                }
                Set<String> expected = new TreeSet<>(Set.of(World.GROUP_POLICY));
                Set<String> unknown = new TreeSet<>();
                for (GrantItem g : grants.values()) {
                    if (g.resource()) {
                        continue;
                    }
                    if (!g.valid()) {
                        unknown.add("crossrole-assume-" + g.id());
                        unknown.add("crossrole-deny-" + g.id());
                        continue;
                    }
                    if (!live(g)) {
                        continue;
                    }
                    for (String side : List.of("granteeAttach", "granteeDeny")) {
                        if (!g.list(side).contains(arn)) {
                            continue;
                        }
                        boolean allow = side.equals("granteeAttach");
                        String name = (allow ? "crossrole-assume-" : "crossrole-deny-") + g.id();
                        expected.add(name);
                        Status status = statuses.getOrDefault(g.id(), Map.of()).get((allow ? "grantee#" : "deny#") + arn);
                        if (status == null || !status.status().equals("PROVISIONED")) {
                            diverge("grant %s, group %s: %s status %s, expected PROVISIONED", g.id(), group, side, status);
                        }
                        JsonNode doc = policies.get(name);
                        if (doc != null) {
                            granteeDocument(g, group, doc, allow, org, covered.getOrDefault(g.id(), Set.of()));
                        }
                    }
                }
                Set<String> actual = new TreeSet<>(policies.keySet());
                actual.removeAll(unknown);
                Set<String> wanted = new TreeSet<>(expected);
                wanted.removeAll(unknown);
                if (!actual.equals(wanted)) {
                    diverge("group %s has inline policies %s, expected %s", group, actual, wanted);
                }
            }
        }
    }

    private void granteeDocument(GrantItem g, String group, JsonNode doc, boolean allow, Organization org, Set<String> accounts) {
        String where = "grant " + g.id() + ", group " + group + ": ";
        List<JsonNode> all = statements(doc);
        JsonNode s = all.isEmpty() ? MissingNode.getInstance() : all.get(0);
        if (all.size() != 1 || !s.path("Effect").asText().equals(allow ? "Allow" : "Deny")
                || !texts(s.path("Action")).equals(Set.of("sts:AssumeRole"))) {
            diverge(where + "policy %s is not one %s of sts:AssumeRole", doc, allow ? "Allow" : "Deny");
            return;
        }
        Set<String> resources = texts(s.path("Resource"));
        String suffix = ":role" + g.path() + g.roleName();
        for (String r : resources) {
            if (!r.startsWith("arn:aws:iam::") || !r.endsWith(suffix) || r.contains("?")
                    || r.substring("arn:aws:iam::".length(), r.length() - suffix.length()).matches(".*[^0-9*].*")) {
                diverge(where + "resource %s is not the grant's role %s", r, g.path() + g.roleName());
            }
        }
        for (String account : accounts) {
            String role = "arn:aws:iam::" + account + suffix;
            if (resources.stream().noneMatch(r -> Pattern.matches(Pattern.quote(r).replace("*", "\\E[0-9]{12}\\Q"), role))) {
                diverge(where + "policy does not name role %s", role);
            }
        }
        Map<String, Map<String, String>> conditions = conditions(s.path("Condition"));
        Map<String, String> equals = conditions.getOrDefault("StringEquals", Map.of());
        if (!g.id().equals(equals.get("aws:ResourceTag/crossrole:grant-id")) || !org.id().equals(equals.get("aws:ResourceOrgID"))) {
            diverge(where + "policy is not scoped to the grant's tag in the organization: %s", s.path("Condition"));
        }
    }

    // ------------------------------------------------------------------ the queue's policy

    private void checkQueuePolicy(Map<String, GrantItem> grants, Map<String, Map<String, Status>> statuses) {
        String policy;
        try (SqsClient sqs = crossrole.observerClient(World.PROD, SqsClient.builder())) {
            String url = sqs.getQueueUrl(r -> r.queueName(World.QUEUE)).queueUrl();
            policy = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.POLICY)).attributes()
                    .get(QueueAttributeName.POLICY);
        }
        List<JsonNode> statements = new ArrayList<>();
        if (policy != null && !policy.isBlank()) {
            statements.addAll(statements(HistoryRunner.read(policy)));
        }
        List<JsonNode> foreign = statements.stream().filter(s -> !s.path("Sid").asText().startsWith("Crossrole")).toList();
        if (!foreign.equals(hand.foreignStatements())) {
            diverge("queue %s: the statements that are not Crossrole's changed: %s, expected %s", World.QUEUE, foreign,
                    hand.foreignStatements());
        }
        for (GrantItem g : grants.values()) {
            if (!g.resource() || !g.valid()) {
                continue;
            }
            String sid = "Crossrole" + g.id().replaceAll("[^A-Za-z0-9]", "");
            List<JsonNode> ours = statements.stream().filter(s -> s.path("Sid").asText().equals(sid)).toList();
            Status status = statuses.getOrDefault(g.id(), Map.of()).get(World.PROD);
            if (!live(g)) {
                if (!ours.isEmpty()) {
                    diverge("grant %s expired, yet its statement is in the queue's policy", g.id());
                }
                continue;
            }
            if (status == null || !status.status().equals("PROVISIONED")) {
                diverge("grant %s in %s: status %s, expected PROVISIONED", g.id(), World.PROD, status);
            }
            if (ours.size() != 1) {
                diverge("grant %s: %d statements %s in the queue's policy, expected 1", g.id(), ours.size(), sid);
                continue;
            }
            JsonNode s = ours.get(0);
            String where = "grant " + g.id() + ", statement " + sid + ": ";
            if (!s.path("Effect").asText().equals("Allow") || !texts(s.path("Principal").path("AWS")).equals(g.principals())
                    || !texts(s.path("Action")).equals(new TreeSet<>(g.list("resourceActions")))
                    || !texts(s.path("Resource")).equals(Set.of(World.QUEUE_ARN))) {
                diverge(where + "%s does not allow %s %s on %s", s, g.principals(), g.list("resourceActions"), World.QUEUE_ARN);
            }
            Map<String, Map<String, String>> conditions = conditions(s.path("Condition"));
            Optional<Instant> notAfter = Optional.ofNullable(conditions.getOrDefault("DateLessThan", Map.of()).get("aws:CurrentTime"))
                    .map(Instant::parse);
            boolean mfa = "true".equals(conditions.getOrDefault("Bool", Map.of()).get("aws:MultiFactorAuthPresent"));
            if (!notAfter.equals(g.expiresAt()) || mfa != g.flag("requireMfa")) {
                diverge(where + "conditions %s, expected MFA %s and expiry %s", s.path("Condition"), g.flag("requireMfa"), g.expiresAt());
            }
        }
        Set<String> known = grants.values().stream().filter(GrantItem::resource)
                .map(g -> "Crossrole" + g.id().replaceAll("[^A-Za-z0-9]", "")).collect(Collectors.toSet());
        statements.stream().map(s -> s.path("Sid").asText()).filter(sid -> sid.startsWith("Crossrole") && !known.contains(sid))
                .forEach(sid -> diverge("queue %s holds statement %s of a grant that was deleted", World.QUEUE, sid));
    }

    // ------------------------------------------------------------------ statuses and queues

    private void checkStatuses(Map<String, GrantItem> grants, Map<String, Set<String>> covered,
                               Map<String, Map<String, Status>> statuses) {
        statuses.forEach((grantId, byKey) -> byKey.forEach((key, status) -> {
            GrantItem g = grants.get(grantId);
            boolean owner = ACCOUNT.matcher(key).matches();
            boolean expectedLive;
            if (g == null || !live(g)) {
                expectedLive = false;
            } else if (g.resource()) {
                expectedLive = key.equals(World.PROD);
            } else if (owner) {
                expectedLive = covered.getOrDefault(grantId, Set.of()).contains(key);
            } else {
                String principal = key.substring(key.indexOf('#') + 1);
                expectedLive = g.list(key.startsWith("deny#") ? "granteeDeny" : "granteeAttach").contains(principal);
            }
            if (!expectedLive && LIVE.contains(status.status())) {
                diverge("grant %s, %s: status %s, yet %s", grantId, key, status.status(),
                        g == null ? "the grant was deleted" : !g.valid() ? "the grant is refused" : !live(g) ? "the grant expired"
                                : "the grant no longer reaches it");
            }
        }));
    }

    private void checkQueues() {
        if (!crossrole.expressSource().isEmpty() || !crossrole.bulkSource().isEmpty()) {
            diverge("the reconcile queues are not empty after quiescence");
        }
        List<String> dead = crossrole.deadLetters();
        if (!dead.isEmpty()) {
            diverge("%d reconcile request(s) in the dead-letter queue: %s", dead.size(), dead);
        }
    }

    // ------------------------------------------------------------------ helpers

    private void diverge(String format, Object... args) {
        divergences.add(String.format(format, args));
    }

    /** A policy field that may be one string or a list. */
    /** A policy's statements: IAM's grammar allows one statement object or an array of them. */
    static List<JsonNode> statements(JsonNode policy) {
        JsonNode node = policy.path("Statement");
        List<JsonNode> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(out::add);
        } else if (node.isObject()) {
            out.add(node);
        }
        return out;
    }

    private static Set<String> texts(JsonNode node) {
        Set<String> out = new TreeSet<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else if (!node.isMissingNode() && !node.isNull()) {
            out.add(node.asText());
        }
        return out;
    }

    private static Map<String, Map<String, String>> conditions(JsonNode condition) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        condition.fields().forEachRemaining(op -> {
            Map<String, String> keys = new TreeMap<>();
            op.getValue().fields().forEachRemaining(k -> keys.put(k.getKey(),
                    String.join(",", new LinkedHashSet<>(texts(k.getValue())))));
            out.put(op.getKey(), keys);
        });
        return out;
    }

    private static Optional<Instant> instant(JsonNode node) {
        return node.isMissingNode() ? Optional.empty() : Optional.of(Instant.parse(node.asText()));
    }

    /** The organization as Organizations lists it: ACTIVE accounts and each one's chain of parents. */
    private record Organization(String id, Map<String, List<String>> ancestors) {
        static Organization read(TestCrossrole crossrole) {
            try (OrganizationsClient org = crossrole.observerOrganizations()) {
                String id = org.describeOrganization().organization().id();
                Map<String, List<String>> ancestors = new TreeMap<>();
                for (Account a : org.listAccountsPaginator().stream().flatMap(p -> p.accounts().stream()).toList()) {
                    if (!a.statusAsString().equals("ACTIVE")) {
                        continue;
                    }
                    List<String> chain = new ArrayList<>();
                    String child = a.id();
                    while (true) {
                        String c = child;
                        String parent = org.listParents(r -> r.childId(c)).parents().get(0).id();
                        chain.add(parent);
                        if (parent.startsWith("r-")) {
                            break;
                        }
                        child = parent;
                    }
                    ancestors.put(a.id(), chain);
                }
                return new Organization(id, ancestors);
            }
        }

        Set<String> active() {
            return ancestors.keySet();
        }

        /** The README's coverage: named accounts, accounts below a named OU (nested too) or the root; never the management account. */
        Set<String> covered(List<String> targets) {
            Set<String> out = new TreeSet<>();
            ancestors.forEach((account, chain) -> {
                if (!account.equals(World.MANAGEMENT) && (targets.contains(account) || chain.stream().anyMatch(targets::contains))) {
                    out.add(account);
                }
            });
            return out;
        }
    }
}
