package io.crossrole.role;

import io.crossrole.policy.Redaction;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.Optional;
import java.util.Set;

/**
 * One IAM write on one role. A {@link RolePlan} is an ordered list of these; printed, it is the dry run.
 */
public sealed interface RoleOperation {

    /** A line a human reads, e.g. {@code attach arn:aws:iam::aws:policy/ReadOnlyAccess}. */
    String describe();

    /** Like {@link #describe()} without policy documents: for status messages. */
    default String brief() {
        return describe();
    }

    /** The IAM API action the operation calls: one call each, as {@code IamRoleApplier} makes it. */
    default String action() {
        return switch (this) {
            case CreateRole c -> "CreateRole";
            case UpdateTrustPolicy u -> "UpdateAssumeRolePolicy";
            case UpdateRole u -> "UpdateRole";
            case PutPermissionsBoundary p -> "PutRolePermissionsBoundary";
            case DeletePermissionsBoundary d -> "DeleteRolePermissionsBoundary";
            case PutInlinePolicy p -> "PutRolePolicy";
            case DeleteInlinePolicy d -> "DeleteRolePolicy";
            case AttachManagedPolicy a -> "AttachRolePolicy";
            case DetachManagedPolicy d -> "DetachRolePolicy";
            case TagRole t -> "TagRole";
            case UntagRole u -> "UntagRole";
            case RemoveFromInstanceProfile r -> "RemoveRoleFromInstanceProfile";
            case DeleteRole d -> "DeleteRole";
        };
    }

    record CreateRole(DesiredRole role) implements RoleOperation {
        @Override
        public String describe() {
            return "create role " + role.path() + role.roleName() + " (max session " + role.maxSessionDuration() + " s"
                    + role.permissionsBoundaryArn().map(b -> ", boundary " + b).orElse("") + ", " + role.tags().size() + " tags)";
        }
    }

    record UpdateTrustPolicy(String document) implements RoleOperation {
        @Override
        public String describe() {
            return "update trust policy to " + Redaction.conditionValues(document);
        }

        @Override
        public String brief() {
            return "update trust policy";
        }
    }

    record UpdateRole(String description, int maxSessionDuration) implements RoleOperation {
        @Override
        public String describe() {
            return "set description '" + description + "' and max session " + maxSessionDuration + " s";
        }
    }

    record PutPermissionsBoundary(String policyArn) implements RoleOperation {
        @Override
        public String describe() {
            return "set permissions boundary " + policyArn;
        }
    }

    record DeletePermissionsBoundary() implements RoleOperation {
        @Override
        public String describe() {
            return "remove permissions boundary";
        }
    }

    record PutInlinePolicy(String name, String document) implements RoleOperation {
        @Override
        public String describe() {
            return "put inline policy " + name + " " + document;
        }

        @Override
        public String brief() {
            return "put inline policy " + name;
        }
    }

    record DeleteInlinePolicy(String name) implements RoleOperation {
        @Override
        public String describe() {
            return "delete inline policy " + name;
        }
    }

    record AttachManagedPolicy(String policyArn) implements RoleOperation {
        @Override
        public String describe() {
            return "attach " + policyArn;
        }
    }

    record DetachManagedPolicy(String policyArn) implements RoleOperation {
        @Override
        public String describe() {
            return "detach " + policyArn;
        }
    }

    record TagRole(Map<String, String> tags) implements RoleOperation {
        public TagRole {
            tags = Map.copyOf(tags);
        }

        @Override
        public String describe() {
            return "tag " + new TreeMap<>(tags);
        }
    }

    record UntagRole(Set<String> keys) implements RoleOperation {
        public UntagRole {
            keys = Set.copyOf(keys);
        }

        @Override
        public String describe() {
            return "untag " + new TreeSet<>(keys);
        }
    }

    record RemoveFromInstanceProfile(String instanceProfileName) implements RoleOperation {
        @Override
        public String describe() {
            return "remove from instance profile " + instanceProfileName;
        }
    }

    record DeleteRole(Optional<String> reason) implements RoleOperation {
        @Override
        public String describe() {
            return "delete role" + reason.map(r -> " (" + r + ")").orElse("");
        }
    }
}
