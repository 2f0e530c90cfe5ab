package io.crossrole.store;

/** Where one grant stands in one account. */
public enum AssignmentStatus {
    /** Being worked on, or waiting for a passing fault to clear (the message says which). */
    PENDING,
    /** The role exists exactly as the grant describes. */
    PROVISIONED,
    /** Cannot be done until someone changes something; the message says what. Not retried. */
    FAILED,
    /** The role was changed outside Crossrole. */
    DRIFTED,
    /** The role was removed (grant deleted, expired, or no longer targeting the account). */
    REVOKED
}
