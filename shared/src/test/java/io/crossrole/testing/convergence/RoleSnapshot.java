package io.crossrole.testing.convergence;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.Tag;

/**
 * Everything IAM says about one role, read with plain IAM calls: what the checker compares, field by field.
 *
 * @param trust    the trust policy, parsed
 * @param inline   inline policy name → document, parsed
 * @param boundary the permissions boundary's ARN, if any
 */
record RoleSnapshot(String name, String path, int maxSession, JsonNode trust, Set<String> managed, Map<String, JsonNode> inline,
                    Map<String, String> tags, Optional<String> boundary) {

    static RoleSnapshot read(IamClient iam, String name) {
        Role role = iam.getRole(r -> r.roleName(name)).role();
        Set<String> managed = new TreeSet<>();
        for (AttachedPolicy p : iam.listAttachedRolePolicies(r -> r.roleName(name)).attachedPolicies()) {
            managed.add(p.policyArn());
        }
        Map<String, JsonNode> inline = new TreeMap<>();
        for (String policy : iam.listRolePolicies(r -> r.roleName(name)).policyNames()) {
            inline.put(policy, HistoryRunner.read(HistoryRunner.decode(iam.getRolePolicy(r -> r.roleName(name).policyName(policy))
                    .policyDocument())));
        }
        Map<String, String> tags = new TreeMap<>();
        for (Tag t : iam.listRoleTags(r -> r.roleName(name)).tags()) {
            tags.put(t.key(), t.value());
        }
        return new RoleSnapshot(role.roleName(), role.path(), role.maxSessionDuration() == null ? 3600 : role.maxSessionDuration(),
                HistoryRunner.read(HistoryRunner.decode(role.assumeRolePolicyDocument())), managed, inline, tags,
                Optional.ofNullable(role.permissionsBoundary()).map(b -> b.permissionsBoundaryArn()));
    }
}
