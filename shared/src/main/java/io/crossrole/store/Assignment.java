package io.crossrole.store;

import java.time.Instant;
import java.util.Optional;

/**
 * The status of one grant in one account, as kept in the Assignments table (keys {@code grantId},
 * {@code accountId}). {@code accountId} is an account ID, or for grant-level records a marker such as
 * {@code #grant} or a target ID ({@code ou-…}) or {@code grantee#ARN}.
 */
public record Assignment(
        String grantId,
        String accountId,
        AssignmentStatus status,
        Optional<String> roleName,
        Optional<String> roleArn,
        Optional<String> desiredHash,
        String message,
        long attempts,
        Instant updatedAt) {

    /** The key used for problems with a grant that cannot be tied to any account. */
    public static final String GRANT_LEVEL = "#grant";
    public static final String GRANTEE_PREFIX = "grantee#";

    public boolean isAccount() {
        return accountId.length() == 12 && accountId.chars().allMatch(Character::isDigit);
    }
}
