package io.crossrole.store;

import io.crossrole.grant.GrantValidation;
import java.util.List;

/**
 * A grant record as the Grants table holds it now: parsed (valid or not: the problems are in {@link #parsed()}),
 * with a digest of its content ({@link #version()}: equal versions are equal records) and its targets as written
 * (for the target index, even when the record is invalid).
 */
public record GrantRecord(String grantId, String version, GrantValidation parsed, List<String> targetsAsWritten) {
    public GrantRecord {
        targetsAsWritten = List.copyOf(targetsAsWritten);
    }
}
