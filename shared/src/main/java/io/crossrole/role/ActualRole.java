package io.crossrole.role;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A role as IAM reports it. Policy documents are URL-decoded JSON.
 *
 * @param instanceProfiles the instance profiles holding the role, when they were read (revocation needs them)
 * @param lastUsed         IAM's RoleLastUsed, when it was read (the drift check's bulk read) and the role was used
 */
public record ActualRole(
        String roleName,
        String path,
        String roleId,
        String arn,
        String trustPolicy,
        Optional<String> description,
        int maxSessionDuration,
        Optional<String> permissionsBoundaryArn,
        Set<String> managedPolicyArns,
        Map<String, String> inlinePolicies,
        Map<String, String> tags,
        List<String> instanceProfiles,
        Optional<RoleUse> lastUsed) {

    /** A role read without its last use. */
    public ActualRole(String roleName, String path, String roleId, String arn, String trustPolicy, Optional<String> description,
                      int maxSessionDuration, Optional<String> permissionsBoundaryArn, Set<String> managedPolicyArns,
                      Map<String, String> inlinePolicies, Map<String, String> tags, List<String> instanceProfiles) {
        this(roleName, path, roleId, arn, trustPolicy, description, maxSessionDuration, permissionsBoundaryArn, managedPolicyArns,
                inlinePolicies, tags, instanceProfiles, Optional.empty());
    }

    public ActualRole {
        managedPolicyArns = Set.copyOf(managedPolicyArns);
        inlinePolicies = Map.copyOf(inlinePolicies);
        tags = Map.copyOf(tags);
        instanceProfiles = List.copyOf(instanceProfiles);
    }
}
