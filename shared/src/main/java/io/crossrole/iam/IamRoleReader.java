package io.crossrole.iam;

import io.crossrole.role.ActualRole;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * Reads one role's full state from IAM: trust policy, description, max session, boundary, tags,
 * inline and attached policies, and (for revocation) its instance profiles.
 *
 * <pre>{@code
 * Optional<ActualRole> role = new IamRoleReader().read(iam, "UpdateApp", false);
 * }</pre>
 */
public final class IamRoleReader {

    public Optional<ActualRole> read(IamClient iam, String roleName, boolean withInstanceProfiles) {
        Role role;
        try {
            role = iam.getRole(r -> r.roleName(roleName)).role();
        } catch (NoSuchEntityException e) {
            return Optional.empty();
        }
        Map<String, String> tags = new HashMap<>();
        if (role.hasTags()) {
            role.tags().forEach(t -> tags.put(t.key(), t.value()));
        } else {
            iam.listRoleTagsPaginator(r -> r.roleName(roleName)).tags().forEach(t -> tags.put(t.key(), t.value()));
        }
        Map<String, String> inline = new HashMap<>();
        iam.listRolePoliciesPaginator(r -> r.roleName(roleName)).policyNames().forEach(name ->
                inline.put(name, decode(iam.getRolePolicy(r -> r.roleName(roleName).policyName(name)).policyDocument())));
        Set<String> attached = new HashSet<>();
        iam.listAttachedRolePoliciesPaginator(r -> r.roleName(roleName)).attachedPolicies()
                .forEach(p -> attached.add(p.policyArn()));
        List<String> profiles = withInstanceProfiles
                ? iam.listInstanceProfilesForRolePaginator(r -> r.roleName(roleName)).instanceProfiles().stream()
                        .map(p -> p.instanceProfileName()).toList()
                : List.of();
        return Optional.of(toActual(role, tags, inline, attached, profiles));
    }

    /** Builds the actual state from parts already read (GetAccountAuthorizationDetails gives them in bulk). */
    public static ActualRole toActual(Role role, Map<String, String> tags, Map<String, String> inline,
                                      Set<String> attached, List<String> instanceProfiles) {
        return new ActualRole(role.roleName(), role.path(), role.roleId(), role.arn(),
                decode(role.assumeRolePolicyDocument()),
                Optional.ofNullable(role.description()).filter(d -> !d.isEmpty()),
                role.maxSessionDuration() == null ? 3600 : role.maxSessionDuration(),
                Optional.ofNullable(role.permissionsBoundary()).map(b -> b.permissionsBoundaryArn()),
                attached, inline, tags, instanceProfiles);
    }

    /** IAM returns policy documents URL-encoded. */
    public static String decode(String document) {
        if (document == null) {
            return null;
        }
        String text = document.strip();
        return text.startsWith("{") ? text : URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
