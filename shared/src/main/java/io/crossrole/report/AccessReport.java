package io.crossrole.report;

import io.crossrole.grant.Grant;
import io.crossrole.grant.GrantValidation;
import io.crossrole.grant.GranteeSide;
import io.crossrole.grant.ResourceGrant;
import io.crossrole.model.AccountId;
import io.crossrole.model.Principal;
import io.crossrole.policy.PolicyDocuments;
import io.crossrole.role.RoleUse;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentKey;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.GrantRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import software.amazon.awssdk.policybuilder.iam.IamEffect;
import software.amazon.awssdk.policybuilder.iam.IamPolicy;
import software.amazon.awssdk.policybuilder.iam.IamStatement;
import software.amazon.awssdk.policybuilder.iam.IamValue;

/**
 * Who may assume what, where, until when, and whether anyone does: one row per grant × owner account, built from the
 * Grants and Assignments tables alone (a pure function of what they hold), plus the grantee × owner matrix.
 *
 * <pre>{@code
 * AccessReport report = AccessReport.build(grants.all(), assignments.all(), clock.instant(), Duration.ofDays(90));
 * report.matrix();   // {"222222222222" -> {"111111111111" -> ["app-deploy"]}}
 * }</pre>
 *
 * @param unusedAfter how long without a recorded use makes a usable role "unused"
 * @param matrix      grantee account → owner account → the grants through which it can get in (usable rows only)
 */
public record AccessReport(Instant generatedAt, Duration unusedAfter, List<AccessRow> rows,
                           Map<String, Map<String, Set<String>>> matrix, Summary summary) {
    /** Grants that expire within this are highlighted. */
    public static final Duration EXPIRING_WITHIN = Duration.ofDays(7);

    /**
     * The figures a person reads first.
     *
     * @param byStatus rows per status
     */
    public record Summary(int grants, int ownerAccounts, int granteeAccounts, Map<AssignmentStatus, Integer> byStatus, int unused,
                          int expiringSoon) {
    }

    public AccessReport {
        rows = List.copyOf(rows);
    }

    /** Builds the report; grantee rows of the Assignments table become the grantee columns of their grant's rows. */
    public static AccessReport build(List<GrantRecord> grants, List<Assignment> assignments, Instant now, Duration unusedAfter) {
        Map<String, GrantRecord> byId = grants.stream().collect(Collectors.toMap(GrantRecord::grantId, Function.identity(), (a, b) -> a,
                TreeMap::new));
        Map<String, List<Assignment>> byGrant = assignments.stream().collect(Collectors.groupingBy(Assignment::grantId, TreeMap::new,
                Collectors.toList()));
        List<AccessRow> rows = new ArrayList<>();
        for (Map.Entry<String, List<Assignment>> entry : byGrant.entrySet()) {
            GrantRecord record = byId.get(entry.getKey());
            GrantValidation parsed = record == null ? null : record.parsed();
            List<String> allow = grantees(entry.getValue(), true);
            List<String> deny = grantees(entry.getValue(), false);
            for (Assignment a : entry.getValue()) {
                if (a.key() instanceof AssignmentKey.Grantee) {
                    continue;
                }
                rows.add(row(a, parsed, allow, deny, now, unusedAfter));
            }
        }
        rows.sort(Comparator.comparing(AccessRow::grantId).thenComparing(AccessRow::owner));
        Map<String, Map<String, Set<String>>> matrix = new TreeMap<>();
        for (AccessRow row : rows) {
            if (!row.canBeUsed() || !AccountId.isValid(row.owner())) {
                continue;
            }
            for (String grantee : row.granteeAccounts()) {
                matrix.computeIfAbsent(grantee, k -> new TreeMap<>()).computeIfAbsent(row.owner(), k -> new TreeSet<>()).add(row.grantId());
            }
        }
        Map<AssignmentStatus, Integer> byStatus = new EnumMap<>(AssignmentStatus.class);
        rows.forEach(r -> byStatus.merge(r.status(), 1, Integer::sum));
        Set<String> owners = rows.stream().map(AccessRow::owner).filter(AccountId::isValid).collect(Collectors.toSet());
        Summary summary = new Summary(byGrant.size(), owners.size(), matrix.size(), byStatus,
                (int) rows.stream().filter(AccessRow::unused).count(), (int) rows.stream().filter(AccessRow::expiringSoon).count());
        return new AccessReport(now, unusedAfter, rows, matrix, summary);
    }

    /** The grant's allow (or deny) grantees, each as "ARN (STATUS)"; revoked ones are left out. */
    private static List<String> grantees(List<Assignment> statuses, boolean allow) {
        List<String> out = new ArrayList<>();
        for (Assignment a : statuses) {
            if (a.key() instanceof AssignmentKey.Grantee g && (g.side() == GranteeSide.ALLOW) == allow
                    && a.status() != AssignmentStatus.REVOKED) {
                out.add(g.principal() + " (" + a.status() + ")");
            }
        }
        return out;
    }

    /** @param parsed the row's grant; {@code null} when it has no record */
    private static AccessRow row(Assignment a, GrantValidation parsed, List<String> allow, List<String> deny, Instant now,
                                 Duration unusedAfter) {
        Optional<Grant> grant = Optional.ofNullable(parsed).flatMap(GrantValidation::grant);
        Optional<ResourceGrant> resource = Optional.ofNullable(parsed).flatMap(GrantValidation::resourceGrant);
        AccessRow.Kind kind = grant.isPresent() ? AccessRow.Kind.ROLE : resource.isPresent() ? AccessRow.Kind.RESOURCE : AccessRow.Kind.UNKNOWN;
        List<String> access = kind == AccessRow.Kind.RESOURCE ? a.resources() : a.roleArn().map(List::of).orElse(List.of());
        List<String> principals = grant.map(g -> g.trustedPrincipals().stream().map(Principal::arn).toList())
                .or(() -> resource.map(r -> r.trustedPrincipals().stream().map(Principal::arn).toList())).orElse(List.of());
        List<String> permissions = new ArrayList<>();
        grant.ifPresent(g -> {
            permissions.addAll(g.managedPolicyArns());
            g.inlinePolicy().ifPresent(p -> permissions.addAll(allowedActions(p)));
        });
        resource.ifPresent(r -> permissions.addAll(r.actions()));
        Optional<Instant> expiresAt = grant.flatMap(Grant::expiresAt).or(() -> resource.flatMap(ResourceGrant::expiresAt));
        boolean usable = a.status() == AssignmentStatus.PROVISIONED || a.status() == AssignmentStatus.DRIFTED;
        Optional<Instant> lastUsed = a.lastUsed().map(RoleUse::at);
        boolean unused = usable && kind == AccessRow.Kind.ROLE && lastUsed.map(at -> at.isBefore(now.minus(unusedAfter))).orElse(true);
        boolean expiringSoon = expiresAt.map(e -> e.isAfter(now) && e.isBefore(now.plus(EXPIRING_WITHIN))).orElse(false);
        return new AccessRow(a.grantId(), a.key().stored(), kind, access, principals,
                grant.map(Grant::requireMfa).or(() -> resource.map(ResourceGrant::requireMfa)).orElse(false),
                grant.flatMap(Grant::externalId).isPresent(), expiresAt, permissions, grant.flatMap(Grant::permissionsBoundaryArn),
                kind == AccessRow.Kind.ROLE ? allow : List.of(), kind == AccessRow.Kind.ROLE ? deny : List.of(), a.status(), a.message(),
                lastUsed, a.lastUsed().flatMap(RoleUse::region), a.updatedAt(), unused, expiringSoon);
    }

    /** The actions an inline policy allows, in order, without repeats. */
    static List<String> allowedActions(String policy) {
        Set<String> out = new LinkedHashSet<>();
        try {
            IamPolicy parsed = PolicyDocuments.parse(policy);
            for (IamStatement s : parsed.statements()) {
                if (IamEffect.ALLOW.equals(s.effect())) {
                    s.actions().stream().map(IamValue::value).forEach(out::add);
                }
            }
        } catch (RuntimeException unreadable) {
            out.add("(inline policy)");
        }
        return List.copyOf(out);
    }
}
