package io.crossrole.role;

import io.crossrole.policy.PolicyDocuments;
import io.crossrole.role.RoleOperation.AttachManagedPolicy;
import io.crossrole.role.RoleOperation.CreateRole;
import io.crossrole.role.RoleOperation.DeleteInlinePolicy;
import io.crossrole.role.RoleOperation.DeletePermissionsBoundary;
import io.crossrole.role.RoleOperation.DeleteRole;
import io.crossrole.role.RoleOperation.DetachManagedPolicy;
import io.crossrole.role.RoleOperation.PutInlinePolicy;
import io.crossrole.role.RoleOperation.PutPermissionsBoundary;
import io.crossrole.role.RoleOperation.RemoveFromInstanceProfile;
import io.crossrole.role.RoleOperation.TagRole;
import io.crossrole.role.RoleOperation.UntagRole;
import io.crossrole.role.RoleOperation.UpdateRole;
import io.crossrole.role.RoleOperation.UpdateTrustPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Pure diff of an actual role against its desired state. Never plans a write on a role that Crossrole
 * does not own.
 *
 * <pre>{@code
 * PlanDecision decision = reader.read(iam, "UpdateApp", false).map(actual -> RolePlanner.reconcile(actual, desired))
 *         .orElseGet(() -> RolePlanner.create(desired));
 * }</pre>
 */
public final class RolePlanner {
    private RolePlanner() {
    }

    /** Creates the role, which is not there. */
    public static PlanDecision create(DesiredRole desired) {
        return new PlanDecision.Apply(new RolePlan(desired.roleName(), creation(desired)));
    }

    /** Brings the role that is there to its desired state. */
    public static PlanDecision reconcile(ActualRole actual, DesiredRole desired) {
        Optional<PlanDecision> conflict = ownershipConflict(actual, desired.grantId());
        if (conflict.isPresent()) {
            return conflict.get();
        }
        if (!actual.path().equals(desired.path())) {
            List<RoleOperation> ops = new ArrayList<>(removal(actual,
                    "IAM cannot move a role from path " + actual.path() + " to " + desired.path()));
            ops.addAll(creation(desired));
            return new PlanDecision.Apply(new RolePlan(desired.roleName(), ops));
        }
        return new PlanDecision.Apply(new RolePlan(desired.roleName(), update(actual, desired)));
    }

    /** Removes the role that is there if the grant owns it; someone else's role is a conflict. */
    public static PlanDecision revoke(ActualRole actual, String roleName, String grantId) {
        return ownershipConflict(actual, grantId)
                .orElseGet(() -> new PlanDecision.Apply(new RolePlan(roleName, removal(actual, null))));
    }

    /** Revokes a role that is not there: nothing to do. */
    public static PlanDecision nothingToRevoke(String roleName) {
        return new PlanDecision.Apply(new RolePlan(roleName, List.of()));
    }

    private static Optional<PlanDecision> ownershipConflict(ActualRole actual, String grantId) {
        if (!Ownership.isManaged(actual.tags())) {
            return Optional.of(new PlanDecision.Conflict("role " + actual.roleName() + " already exists and was not created by Crossrole (it has no "
                    + Ownership.MANAGED_BY + " tag); Crossrole leaves it untouched. Rename the grant's role or remove the existing one"));
        }
        String owner = Ownership.owner(actual.tags()).orElse("");
        if (!owner.equals(grantId)) {
            return Optional.of(new PlanDecision.Conflict("role " + actual.roleName() + " belongs to grant '" + owner
                    + "'; two grants cannot claim one role name in one account"));
        }
        return Optional.empty();
    }

    private static List<RoleOperation> creation(DesiredRole desired) {
        List<RoleOperation> ops = new ArrayList<>();
        ops.add(new CreateRole(desired));
        desired.inlinePolicies().forEach((name, doc) -> ops.add(new PutInlinePolicy(name, doc)));
        desired.managedPolicyArns().forEach(arn -> ops.add(new AttachManagedPolicy(arn)));
        return ops;
    }

    private static List<RoleOperation> update(ActualRole actual, DesiredRole desired) {
        List<RoleOperation> ops = new ArrayList<>();
        if (!PolicyDocuments.equivalent(actual.trustPolicy(), desired.trustPolicy())) {
            ops.add(new UpdateTrustPolicy(desired.trustPolicy()));
        }
        if (!actual.description().orElse("").equals(desired.description())
                || actual.maxSessionDuration() != desired.maxSessionDuration()) {
            ops.add(new UpdateRole(desired.description(), desired.maxSessionDuration()));
        }
        if (desired.permissionsBoundaryArn().isPresent()
                && !desired.permissionsBoundaryArn().equals(actual.permissionsBoundaryArn())) {
            ops.add(new PutPermissionsBoundary(desired.permissionsBoundaryArn().get()));
        }
        desired.inlinePolicies().forEach((name, doc) -> {
            String existing = actual.inlinePolicies().get(name);
            if (existing == null || !PolicyDocuments.equivalent(existing, doc)) {
                ops.add(new PutInlinePolicy(name, doc));
            }
        });
        desired.managedPolicyArns().stream()
                .filter(arn -> !actual.managedPolicyArns().contains(arn))
                .forEach(arn -> ops.add(new AttachManagedPolicy(arn)));
        new TreeSet<>(actual.managedPolicyArns()).stream()
                .filter(arn -> !desired.managedPolicyArns().contains(arn))
                .forEach(arn -> ops.add(new DetachManagedPolicy(arn)));
        new TreeSet<>(actual.inlinePolicies().keySet()).stream()
                .filter(name -> !desired.inlinePolicies().containsKey(name))
                .forEach(name -> ops.add(new DeleteInlinePolicy(name)));
        if (desired.permissionsBoundaryArn().isEmpty() && actual.permissionsBoundaryArn().isPresent()) {
            ops.add(new DeletePermissionsBoundary());
        }
        Map<String, String> toTag = new TreeMap<>();
        desired.tags().forEach((k, v) -> {
            if (!v.equals(actual.tags().get(k))) {
                toTag.put(k, v);
            }
        });
        if (!toTag.isEmpty()) {
            ops.add(new TagRole(toTag));
        }
        TreeSet<String> toUntag = new TreeSet<>(actual.tags().keySet());
        toUntag.removeAll(desired.tags().keySet());
        if (!toUntag.isEmpty()) {
            ops.add(new UntagRole(toUntag));
        }
        return ops;
    }

    private static List<RoleOperation> removal(ActualRole actual, String reason) {
        List<RoleOperation> ops = new ArrayList<>();
        actual.instanceProfiles().stream().sorted().forEach(p -> ops.add(new RemoveFromInstanceProfile(p)));
        new TreeSet<>(actual.managedPolicyArns()).forEach(arn -> ops.add(new DetachManagedPolicy(arn)));
        new TreeSet<>(actual.inlinePolicies().keySet()).forEach(name -> ops.add(new DeleteInlinePolicy(name)));
        ops.add(new DeleteRole(Optional.ofNullable(reason)));
        return ops;
    }
}
