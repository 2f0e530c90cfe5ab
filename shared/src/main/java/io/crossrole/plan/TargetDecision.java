package io.crossrole.plan;

import io.crossrole.grant.Grant;
import io.crossrole.model.Arn;
import io.crossrole.role.DesiredRole;
import io.crossrole.store.AssignmentStatus;
import java.util.Optional;

/**
 * What one reconcile key needs, decided from the grant, the account's place and the key's last status, before any
 * IAM read: the same decision for the worker, the drift repair and {@code crossrole grant plan}.
 */
public sealed interface TargetDecision {

    /** Bring the grant's role in the account to the grant (after removing its role of another name: a rename). */
    record Provision(Grant grant, DesiredRole desired, Optional<String> renamedFrom) implements TargetDecision {
    }

    /** Remove the grant's role from the account; never a role the grant does not own. */
    record Revoke(String roleName, String reason) implements TargetDecision {
    }

    /** Let the grantee assume the grant's roles with exactly this identity policy. */
    record PutGranteePolicy(Arn grantee, String document) implements TargetDecision {
    }

    /** Take the grant's identity policy off the grantee. */
    record RemoveGranteePolicy(Arn grantee, String reason) implements TargetDecision {
    }

    /** Record a status and touch nothing in IAM (a refused grant, an account that left). */
    record Note(AssignmentStatus status, String roleName, String message) implements TargetDecision {
    }

    /** Nothing to do, nothing to record. */
    record Nothing(String reason) implements TargetDecision {
    }
}
