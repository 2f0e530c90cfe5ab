package io.crossrole.testing.convergence;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What people made outside Crossrole during a history: it must be exactly as they left it at the end. */
final class HandMade {
    private final Map<String, RoleSnapshot> unmanagedRoles = new LinkedHashMap<>();
    private final List<JsonNode> foreignStatements = new ArrayList<>();

    void unmanaged(String account, String roleName, RoleSnapshot snapshot) {
        unmanagedRoles.put(account + "/" + roleName, snapshot);
    }

    void foreign(JsonNode statement) {
        foreignStatements.add(statement.deepCopy());
    }

    /** Keyed {@code account/roleName}. */
    Map<String, RoleSnapshot> unmanagedRoles() {
        return Map.copyOf(unmanagedRoles);
    }

    /** In the order they were added to the queue's policy. */
    List<JsonNode> foreignStatements() {
        return List.copyOf(foreignStatements);
    }
}
