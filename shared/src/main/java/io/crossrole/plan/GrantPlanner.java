package io.crossrole.plan;

import io.crossrole.grant.Grant;
import io.crossrole.grant.GrantValidation;
import io.crossrole.grant.GranteeSide;
import io.crossrole.org.OrganizationView;
import io.crossrole.reconcile.ReconcileKey;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentKey;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The grant-level plan: when a grant changes (or an account's place does, or the drift check finds a gap), which keys
 * must be reconciled. Pure, from the grant as the table holds it (parsed; {@code null} when the record is gone), the
 * expansion of its targets and its statuses. Every account its targets cover now and every account it was applied in;
 * every grantee it lists now and every grantee it was applied to. What each key then needs is {@link TargetPlanner}'s
 * to decide, when the key is reconciled. The grant stream, the account events, the drift check and
 * {@code crossrole grant plan} all call it.
 *
 * <pre>{@code
 * GrantPlan plan = GrantPlanner.plan("prod-updateapp", parsed, expansion, statuses);
 * plan.keys(); // [OwnerAccount(prod-updateapp, 111111111111), Grantee(prod-updateapp, arn:...:group/Developers, ALLOW)]
 * }</pre>
 */
public final class GrantPlanner {
    private GrantPlanner() {
    }

    /**
     * A key to reconcile, with why it is in the plan.
     *
     * @param roleName the role the grant had there (a revocation needs it once the record is gone)
     */
    public record PlannedKey(ReconcileKey key, Optional<String> roleName, String why) {
    }

    /**
     * @param keys       the keys to reconcile
     * @param unresolved target IDs that cover nothing, with why (an OU that is not in the organization)
     * @param resolved   target IDs that were unresolved before and are not any more
     * @param refusal    the grant's problems, when it is refused and names no account to record them on
     * @param refusalCleared a grant-level refusal was recorded before, and the grant is accepted now
     */
    public record GrantPlan(String grantId, List<PlannedKey> keys, Map<String, String> unresolved, Set<String> resolved,
                            Optional<String> refusal, boolean refusalCleared) {
        public GrantPlan {
            keys = List.copyOf(keys);
            unresolved = Map.copyOf(unresolved);
            resolved = Set.copyOf(resolved);
        }
    }

    /**
     * @param current   the grant record as the table holds it, parsed; {@code null} when it is gone
     * @param expansion the accounts its targets cover now; {@code null} when it has no valid targets to expand
     * @param prior     its statuses
     */
    public static GrantPlan plan(String grantId, GrantValidation current, OrganizationView.Expansion expansion,
                                 List<Assignment> prior) {
        Map<ReconcileKey, PlannedKey> keys = new LinkedHashMap<>();
        Optional<GrantValidation> validation = Optional.ofNullable(current);
        Optional<Grant> grant = validation.flatMap(GrantValidation::grant);
        if (expansion != null) {
            expansion.accounts().forEach(account -> put(keys, new ReconcileKey.OwnerAccount(grantId, account), null,
                    "the grant's targets cover it"));
        }
        validation.filter(v -> !v.isValid()).ifPresent(v -> v.accountTargets().forEach(account ->
                put(keys, new ReconcileKey.OwnerAccount(grantId, account), null, "the refused grant names it")));
        for (GranteeSide side : GranteeSide.values()) {
            grant.ifPresent(g -> side.of(g).forEach(grantee -> put(keys, new ReconcileKey.Grantee(grantId, grantee, side),
                    null, "listed in " + side.field())));
        }
        Set<String> wasUnresolved = new LinkedHashSet<>();
        boolean wasRefused = false;
        for (Assignment a : prior) {
            if (!a.isLive()) {
                continue;
            }
            switch (a.key()) {
                case AssignmentKey.Owner o -> put(keys, new ReconcileKey.OwnerAccount(grantId, o.account()),
                        a.roleName().orElse(null), "the grant was applied there");
                case AssignmentKey.Grantee g -> put(keys, new ReconcileKey.Grantee(grantId, g.principal(), g.side()), null,
                        "the grant was applied to it");
                case AssignmentKey.Target t -> wasUnresolved.add(t.targetId());
                case AssignmentKey.GrantLevel l -> wasRefused = true;
            }
        }
        Map<String, String> unresolved = expansion == null ? Map.of() : expansion.unresolved();
        Set<String> resolved = new LinkedHashSet<>(wasUnresolved);
        resolved.removeAll(unresolved.keySet());
        Optional<String> refusal = validation.filter(v -> !v.isValid()).filter(v -> v.accountTargets().isEmpty())
                .filter(v -> keys.keySet().stream().noneMatch(ReconcileKey.OwnerAccount.class::isInstance))
                .map(GrantValidation::summary);
        return new GrantPlan(grantId, List.copyOf(keys.values()), unresolved, resolved, refusal,
                wasRefused && validation.filter(GrantValidation::isValid).isPresent());
    }

    /** @param roleName the role the grant had there; {@code null} when none is known */
    private static void put(Map<ReconcileKey, PlannedKey> keys, ReconcileKey key, String roleName, String why) {
        PlannedKey was = keys.get(key);
        if (was == null) {
            keys.put(key, new PlannedKey(key, Optional.ofNullable(roleName), why));
        } else if (was.roleName().isEmpty() && roleName != null) {
            keys.put(key, new PlannedKey(key, Optional.of(roleName), was.why()));
        }
    }

}
