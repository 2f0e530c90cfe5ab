package io.crossrole.drift;

import java.util.List;

/**
 * What the drift check found in one account: roles in sync, drifted, repairs queued, orphans; or that the
 * account could not be reached. {@code findings} are lines a human reads.
 */
public record AccountCheck(String accountId, int inSync, int drifted, int repairsQueued, int orphans, boolean failed,
                           List<String> findings) {
    public AccountCheck {
        findings = List.copyOf(findings);
    }
}
