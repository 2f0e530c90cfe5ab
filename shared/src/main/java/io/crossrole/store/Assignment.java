package io.crossrole.store;

import io.crossrole.model.AccountId;
import io.crossrole.role.RoleUse;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The status of one grant for one {@link AssignmentKey}, as kept in the Assignments table (keys {@code grantId},
 * {@code accountId}).
 *
 * @param attempts  how many times the status was written: a writer that must not overwrite a newer result writes only
 *                  if it is still the one it read ({@link AssignmentRecorder#recordIf})
 * @param resources for a resource-policy grant, the resources whose policies hold its statement there (their ARNs)
 * @param lastUsed  the role's last use, as the drift check last read it
 */
public record Assignment(
        String grantId,
        AssignmentKey key,
        AssignmentStatus status,
        Optional<String> roleName,
        Optional<String> roleArn,
        Optional<String> desiredHash,
        String message,
        long attempts,
        Instant updatedAt,
        List<String> resources,
        Optional<RoleUse> lastUsed) {

    public Assignment {
        resources = List.copyOf(resources);
    }

    /** A status whose role's use was never read. */
    public Assignment(String grantId, AssignmentKey key, AssignmentStatus status, Optional<String> roleName, Optional<String> roleArn,
                      Optional<String> desiredHash, String message, long attempts, Instant updatedAt, List<String> resources) {
        this(grantId, key, status, roleName, roleArn, desiredHash, message, attempts, updatedAt, resources, Optional.empty());
    }

    /** A status with no resource policies (a role grant's, a grantee's). */
    public Assignment(String grantId, AssignmentKey key, AssignmentStatus status, Optional<String> roleName, Optional<String> roleArn,
                      Optional<String> desiredHash, String message, long attempts, Instant updatedAt) {
        this(grantId, key, status, roleName, roleArn, desiredHash, message, attempts, updatedAt, List.of());
    }

    /** The owner account, when the status is about one. */
    public Optional<AccountId> owner() {
        return key instanceof AssignmentKey.Owner o ? Optional.of(o.account()) : Optional.empty();
    }

    /** True unless REVOKED: what this grant holds, or tried to hold, there. */
    public boolean isLive() {
        return status != AssignmentStatus.REVOKED;
    }

    /** True when the status says a role of this grant exists there (PROVISIONED or DRIFTED). */
    public boolean hasRole() {
        return status == AssignmentStatus.PROVISIONED || status == AssignmentStatus.DRIFTED;
    }
}
