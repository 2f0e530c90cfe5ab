package io.crossrole.plan;

import io.crossrole.grant.Grant;
import io.crossrole.grant.PolicyHolder;
import io.crossrole.grant.ResourceGrant;
import io.crossrole.model.Arn;
import io.crossrole.role.DesiredRole;
import io.crossrole.store.AssignmentStatus;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /**
     * Keep the grant's statement in each policy of its resources in the account ({@code holders}: each policy and the
     * resource ARNs its statement names), and take it out of the policies it was in and no longer belongs to.
     */
    record PutStatements(ResourceGrant grant, Map<PolicyHolder, List<String>> holders, List<PolicyHolder> dropped)
            implements TargetDecision {
        public PutStatements {
            holders = Collections.unmodifiableMap(new LinkedHashMap<>(holders));
            dropped = List.copyOf(dropped);
        }
    }

    /** Take the grant's statement (Sid) out of these policies; never another statement. */
    record RemoveStatements(String sid, List<PolicyHolder> holders, String reason) implements TargetDecision {
        public RemoveStatements {
            holders = List.copyOf(holders);
        }
    }

    /** Record a status and touch nothing in IAM (a refused grant, an account that left). */
    record Note(AssignmentStatus status, String roleName, String message) implements TargetDecision {
    }

    /** Nothing to do, nothing to record. */
    record Nothing(String reason) implements TargetDecision {
    }
}
