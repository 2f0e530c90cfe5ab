package io.crossrole.role;

import java.util.List;

/**
 * The IAM writes that bring one role to its desired state, in order. Empty when the role is right.
 */
public record RolePlan(String roleName, List<RoleOperation> operations) {
    public RolePlan {
        operations = List.copyOf(operations);
    }

    public boolean isEmpty() {
        return operations.isEmpty();
    }

    public List<String> describe() {
        return operations.stream().map(RoleOperation::describe).toList();
    }

    public List<String> brief() {
        return operations.stream().map(RoleOperation::brief).toList();
    }
}
