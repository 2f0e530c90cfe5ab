package io.crossrole.report;

import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.store.AssignmentStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One grant in one owner account, as the access report shows it: who may get in, with what, until when, and whether
 * anyone does. External IDs are never in it: only whether one is required.
 *
 * <pre>{@code
 * row.canBeUsed();        // PROVISIONED or DRIFTED: the access exists
 * row.unused();           // no use recorded within the report's window
 * }</pre>
 *
 * @param owner         the owner account ID; for a status not about one account (a refused grant, a target that
 *                      cannot be expanded) what the Assignments table keys it by
 * @param kind          {@link Kind#ROLE}, {@link Kind#RESOURCE} (a statement in resource policies) or
 *                      {@link Kind#UNKNOWN} (the grant record is gone or refused)
 * @param access        the role ARN, or the resources whose policies hold the grant's statement
 * @param principals    the trusted principals' ARNs
 * @param permissions   managed policy ARNs, then the inline policy's allowed actions (or the resource actions)
 * @param granteeAllow  principals given an identity policy allowing the assume, each with its status
 * @param granteeDeny   principals given an explicit deny, each with its status
 * @param lastUsed      the role's last use, as the drift check last read it
 * @param unused        a role that can be used, with no use recorded within the report's window
 * @param expiringSoon  expires within the report's window for expiry (7 days)
 */
public record AccessRow(String grantId, String owner, Kind kind, List<String> access, List<String> principals,
                        boolean requireMfa, boolean requireExternalId, Optional<Instant> expiresAt, List<String> permissions,
                        Optional<String> boundary, List<String> granteeAllow, List<String> granteeDeny, AssignmentStatus status,
                        String message, Optional<Instant> lastUsed, Optional<String> lastUsedRegion, Instant updatedAt,
                        boolean unused, boolean expiringSoon) {

    /** What the grant provides. */
    public enum Kind {
        ROLE, RESOURCE, UNKNOWN
    }

    public AccessRow {
        access = List.copyOf(access);
        principals = List.copyOf(principals);
        permissions = List.copyOf(permissions);
        granteeAllow = List.copyOf(granteeAllow);
        granteeDeny = List.copyOf(granteeDeny);
    }

    /** The accounts of the trusted principals (the grantee accounts), in order, without repeats. */
    public List<String> granteeAccounts() {
        return principals.stream().map(Arn::parse).flatMap(Optional::stream).map(Arn::account).filter(AccountId::isValid)
                .distinct().toList();
    }

    /** True when the access exists in the account (PROVISIONED, or DRIFTED from it). */
    public boolean canBeUsed() {
        return status == AssignmentStatus.PROVISIONED || status == AssignmentStatus.DRIFTED;
    }
}
