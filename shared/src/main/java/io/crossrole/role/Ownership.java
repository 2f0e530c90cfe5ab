package io.crossrole.role;

import java.util.Map;
import java.util.Optional;

/**
 * The tags by which Crossrole recognises the roles it created. A role without them is never changed.
 */
public final class Ownership {
    public static final String MANAGED_BY = "crossrole:managed-by";
    public static final String GRANT_ID = "crossrole:grant-id";
    public static final String MANAGER = "crossrole";

    private Ownership() {
    }

    public static Map<String, String> tags(String grantId) {
        return Map.of(MANAGED_BY, MANAGER, GRANT_ID, grantId);
    }

    public static boolean isManaged(Map<String, String> tags) {
        return MANAGER.equals(tags.get(MANAGED_BY));
    }

    /** The grant that owns a managed role, if the role is managed. */
    public static Optional<String> owner(Map<String, String> tags) {
        return isManaged(tags) ? Optional.ofNullable(tags.get(GRANT_ID)) : Optional.empty();
    }
}
