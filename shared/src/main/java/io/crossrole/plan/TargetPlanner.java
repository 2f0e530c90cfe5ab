package io.crossrole.plan;

import io.crossrole.grant.Grant;
import io.crossrole.grant.GrantValidation;
import io.crossrole.grant.GranteeSide;
import io.crossrole.grant.PolicyHolder;
import io.crossrole.grant.ResourceGrant;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.Partition;
import io.crossrole.policy.AssumeRolePolicyBuilder;
import io.crossrole.policy.PolicyDocuments;
import io.crossrole.reconcile.ReconcileRequest.Cause;
import io.crossrole.role.DesiredRole;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Decides what one reconcile key needs, from the grant as the table holds it now (already reviewed against the
 * guardrails; {@code null} when there is no record), where the account is, and the key's last status. Pure: every
 * decision the worker, the drift repair and the dry run make about a key is made here.
 *
 * <p>The rules, for a grant's role in an owner account:
 * <ol>
 *   <li>the account is not ACTIVE in the organization: its live status becomes REVOKED without reaching it; a grant
 *       that names it is FAILED there (Crossrole provisions only in the organization's ACTIVE accounts);</li>
 *   <li>the grant record is gone: its role there is revoked;</li>
 *   <li>the grant is refused (invalid, or a guardrail): FAILED with the reasons, and its roles keep their last
 *       provisioned state (never deleted for a refusal);</li>
 *   <li>the grant expired: its role there is revoked;</li>
 *   <li>the grant no longer covers the account: its role there is revoked;</li>
 *   <li>a guardrail protects the account: a role already there is left as it is, FAILED with the reason;</li>
 *   <li>otherwise the role is brought to the grant (its role of another name removed first: a rename).</li>
 * </ol>
 *
 * <pre>{@code
 * TargetDecision d = TargetPlanner.owner("prod-updateapp", prod, reviewed, place, prior, null, Cause.STREAM, now, management);
 * }</pre>
 */
public final class TargetPlanner {
    private TargetPlanner() {
    }

    /**
     * A grant's role in an owner account.
     *
     * @param reviewed the grant, reviewed; {@code null} when it has no record
     * @param prior    the key's last status; {@code null} when it has none
     * @param roleHint the role the request names (the record's previous image); {@code null} when it names none
     */
    public static TargetDecision owner(String grantId, AccountId account, GrantValidation reviewed, AccountPlace place,
                                       Assignment prior, String roleHint, Cause cause, Instant now, AccountId management) {
        Optional<Assignment> live = Optional.ofNullable(prior).filter(Assignment::isLive);
        Optional<String> priorRole = live.flatMap(Assignment::roleName);
        if (!place.isActive()) {
            String where = "account " + account + (place.membership() == AccountPlace.Membership.ABSENT
                    ? " is not in the organization" : " is not ACTIVE in the organization");
            if (live.isPresent()) {
                return new TargetDecision.Note(AssignmentStatus.REVOKED, live.get().roleName().orElse(null),
                        where + "; Crossrole no longer reaches it, so its roles were left as they were");
            }
            boolean named = reviewed != null && reviewed.accountTargets().contains(account);
            if (!named) {
                return new TargetDecision.Nothing(where);
            }
            return new TargetDecision.Note(AssignmentStatus.FAILED, reviewed.roleName().orElse(null), reviewed.isValid()
                    ? where + ": Crossrole provisions only in the organization's ACTIVE accounts, nothing was written"
                    : refused(reviewed, false));
        }
        if (reviewed == null && live.filter(a -> !a.resources().isEmpty()).isPresent()) {
            return new TargetDecision.RemoveStatements(ResourceGrant.sid(grantId), holders(live.get().resources()), gone(cause));
        }
        if (reviewed == null) {
            Optional<String> role = priorRole.or(() -> prior == null ? Optional.ofNullable(roleHint) : Optional.empty());
            if (role.isPresent()) {
                return new TargetDecision.Revoke(role.get(), gone(cause));
            }
            // a live status that names no role (PENDING before anything was written): it ends REVOKED, never left behind
            return live.<TargetDecision>map(a -> new TargetDecision.Note(AssignmentStatus.REVOKED, null,
                            gone(cause) + "; nothing of it was here"))
                    .orElseGet(() -> new TargetDecision.Nothing("the grant has no record and nothing of it is here"));
        }
        if (!reviewed.isValid()) {
            if (live.isEmpty() && !reviewed.accountTargets().contains(account)) {
                return new TargetDecision.Nothing("the grant is refused and was never applied here");
            }
            // the status keeps naming the role that is here (a refused rename must not hide it from a later revocation)
            return new TargetDecision.Note(AssignmentStatus.FAILED, priorRole.or(reviewed::roleName).orElse(null),
                    refused(reviewed, live.filter(Assignment::hasRole).isPresent()));
        }
        if (reviewed.resourceGrant().isPresent()) {
            return statements(reviewed.resourceGrant().get(), account, place, live.orElse(null), now);
        }
        Grant grant = reviewed.grant().orElseThrow();
        boolean named = grant.accountTargets().contains(account);
        if (grant.isExpired(now)) {
            if (live.isEmpty() && !named) {
                return new TargetDecision.Nothing("the grant expired and was never applied here");
            }
            return new TargetDecision.Revoke(priorRole.orElse(grant.roleName()),
                    "grant expired at " + grant.expiresAt().orElseThrow() + " (expiresAt is in the past)");
        }
        if (!Coverage.covers(grant, account, place.ancestors(), management)) {
            if (priorRole.isPresent()) {
                return new TargetDecision.Revoke(priorRole.get(), "account no longer targeted by the grant");
            }
            return live.<TargetDecision>map(a -> new TargetDecision.Note(AssignmentStatus.REVOKED, null,
                    "account no longer targeted by the grant; nothing of it was here"))
                    .orElseGet(() -> new TargetDecision.Nothing("the grant does not cover account " + account));
        }
        if (place.protection().isPresent()) {
            return live.filter(Assignment::hasRole).<TargetDecision>map(a -> new TargetDecision.Note(AssignmentStatus.FAILED,
                    a.roleName().orElse(null), "guardrail protectedTargets: " + place.protection().get()
                            + "; Crossrole no longer writes here and left the role as it was (delete it by hand if it must go)"))
                    .orElseGet(() -> new TargetDecision.Nothing("guardrail protectedTargets: " + place.protection().get()));
        }
        DesiredRole desired = DesiredRole.of(grant, account);
        // the grant's role of another name here: the one its status names (PENDING too: a reconcile that failed half-way
        // may have created it), else the one the request names (the record's previous image: a role created by a
        // reconcile whose status write was lost). Removed only if it exists and carries this grant's tag.
        Optional<String> renamedFrom = Stream.of(live.filter(a -> a.hasRole() || a.status() == AssignmentStatus.PENDING)
                        .flatMap(Assignment::roleName), Optional.ofNullable(roleHint))
                .flatMap(Optional::stream).filter(r -> !r.equals(desired.roleName())).findFirst();
        return new TargetDecision.Provision(grant, desired, renamedFrom);
    }

    /**
     * A resource-policy grant in one account: its statement in each policy of its resources there, out of those it no
     * longer belongs to; all out when it expired or no longer targets the account; left as it is where a guardrail
     * protects the account.
     *
     * @param live the key's live status; {@code null} when it has none
     */
    private static TargetDecision statements(ResourceGrant grant, AccountId account, AccountPlace place, Assignment live,
                                             Instant now) {
        List<PolicyHolder> had = live == null ? List.of() : holders(live.resources());
        boolean named = grant.targets().contains(account);
        if (grant.isExpired(now)) {
            List<PolicyHolder> all = new ArrayList<>(had);
            grant.holdersIn(account).keySet().stream().filter(h -> !all.contains(h)).forEach(all::add);
            return live == null && !named ? new TargetDecision.Nothing("the grant expired and was never applied here")
                    : new TargetDecision.RemoveStatements(grant.sid(), all, "grant expired at " + grant.expiresAt().orElseThrow()
                            + " (expiresAt is in the past)");
        }
        if (!named) {
            return live != null ? new TargetDecision.RemoveStatements(grant.sid(), had, "account no longer targeted by the grant")
                    : new TargetDecision.Nothing("the grant does not target " + account);
        }
        if (place.protection().isPresent()) {
            return live != null ? new TargetDecision.Note(AssignmentStatus.FAILED, null, "guardrail protectedTargets: "
                    + place.protection().get() + "; Crossrole no longer writes here and left its statements as they were")
                    : new TargetDecision.Nothing("guardrail protectedTargets: " + place.protection().get());
        }
        Map<PolicyHolder, List<String>> holders = grant.holdersIn(account);
        return new TargetDecision.PutStatements(grant, holders, had.stream().filter(h -> !holders.containsKey(h)).toList());
    }

    /** The policies a status says hold the grant's statement (their resources' ARNs, as recorded). */
    private static List<PolicyHolder> holders(List<String> arns) {
        List<PolicyHolder> out = new ArrayList<>();
        for (String arn : arns) {
            try {
                out.add(PolicyHolder.parse(arn));
            } catch (IllegalArgumentException e) {
                // a status written by hand: nothing of ours can be there
            }
        }
        return out;
    }

    /** Why a grant's record is gone: TTL removes an expired grant's record; anything else deleted it. */
    private static String gone(Cause cause) {
        return cause == Cause.EXPIRY ? "grant expired (TTL removed the record)" : "grant record deleted";
    }

    /** The status message of a refused grant: its problems, and that nothing was written. */
    private static String refused(GrantValidation validation, boolean hasRole) {
        return "grant refused, nothing was written to IAM" + (hasRole ? " (its role keeps its last provisioned state)" : "")
                + ": " + validation.summary();
    }

    /**
     * The grantee side: the grantee's identity policy (an allow for {@code granteeAttach}, an explicit deny for
     * {@code granteeDeny}) is a function of the grant alone (see {@link AssumeRolePolicyBuilder}); a grantee no longer
     * listed, or a grant gone or expired, loses it. A policy that would not fit the grantee's inline quota is FAILED,
     * not written.
     *
     * @param reviewed the grant, reviewed; {@code null} when it has no record
     * @param prior    the key's last status; {@code null} when it has none
     */
    public static TargetDecision grantee(String grantId, Arn grantee, GranteeSide side, GrantValidation reviewed,
                                         Assignment prior, Cause cause, Instant now, String organizationId, Partition partition) {
        Optional<Assignment> live = Optional.ofNullable(prior).filter(Assignment::isLive);
        if (reviewed == null) {
            return live.<TargetDecision>map(a -> new TargetDecision.RemoveGranteePolicy(grantee, gone(cause)))
                    .orElseGet(() -> new TargetDecision.Nothing("the grant has no record"));
        }
        if (!reviewed.isValid()) {
            return live.<TargetDecision>map(a -> new TargetDecision.Note(AssignmentStatus.FAILED, null,
                    "grant refused, nothing was written to IAM (the grantee policy keeps its last state): " + reviewed.summary()))
                    .orElseGet(() -> new TargetDecision.Nothing("the grant is refused"));
        }
        Grant grant = reviewed.grant().orElseThrow();
        if (grant.isExpired(now)) {
            return live.<TargetDecision>map(a -> new TargetDecision.RemoveGranteePolicy(grantee,
                    "grant expired at " + grant.expiresAt().orElseThrow())).orElseGet(() -> new TargetDecision.Nothing("the grant expired"));
        }
        if (!side.of(grant).contains(grantee)) {
            return live.<TargetDecision>map(a -> new TargetDecision.RemoveGranteePolicy(grantee, "no longer in " + side.field()))
                    .orElseGet(() -> new TargetDecision.Nothing(grantee + " is not in the grant's " + side.field()));
        }
        AssumeRolePolicyBuilder.RoleScope scope = AssumeRolePolicyBuilder.RoleScope.of(grant, partition, organizationId);
        String document = (side == GranteeSide.ALLOW ? AssumeRolePolicyBuilder.allow(scope) : AssumeRolePolicyBuilder.denyGuard(scope))
                .toJson();
        int size = PolicyDocuments.sizeWithoutWhitespace(document);
        int quota = AssumeRolePolicyBuilder.inlineQuota(grantee.resourceType());
        if (size > quota) {
            return new TargetDecision.Note(AssignmentStatus.FAILED, null, "the grantee policy would be " + size
                    + " characters; IAM allows " + quota + " of inline policy on a " + grantee.resourceType() + ": nothing was written");
        }
        return new TargetDecision.PutGranteePolicy(grantee, document);
    }
}
