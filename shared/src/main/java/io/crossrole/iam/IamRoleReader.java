package io.crossrole.iam;

import io.crossrole.role.ActualRole;
import io.crossrole.role.RoleUse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.EntityType;
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

    /**
     * Every role in the account, read in bulk: {@code GetAccountAuthorizationDetails} (Filter Role) gives trust,
     * inline and attached policies, boundary, tags, instance profiles and last use; {@code ListRoles} adds what it lacks
     * (description, max session). Both paginated, so the calls grow with pages, never with roles.
     */
    public Map<String, ActualRole> readAccount(IamClient iam) {
        Map<String, Role> listed = new HashMap<>();
        iam.listRolesPaginator(r -> r.maxItems(1000)).roles().forEach(role -> listed.put(role.roleName(), role));
        Map<String, ActualRole> out = new HashMap<>();
        iam.getAccountAuthorizationDetailsPaginator(r -> r.filter(EntityType.ROLE).maxItems(1000)).roleDetailList().forEach(d -> {
            Role summary = listed.get(d.roleName());
            Map<String, String> tags = new HashMap<>();
            if (d.hasTags()) {
                d.tags().forEach(t -> tags.put(t.key(), t.value()));
            }
            Map<String, String> inline = new HashMap<>();
            d.rolePolicyList().forEach(p -> inline.put(p.policyName(), decode(p.policyDocument())));
            Set<String> attached = new HashSet<>();
            d.attachedManagedPolicies().forEach(p -> attached.add(p.policyArn()));
            out.put(d.roleName(), new ActualRole(d.roleName(), d.path(), d.roleId(), d.arn(),
                    decode(d.assumeRolePolicyDocument()),
                    Optional.ofNullable(summary).map(Role::description).filter(x -> !x.isEmpty()),
                    summary == null || summary.maxSessionDuration() == null ? 3600 : summary.maxSessionDuration(),
                    Optional.ofNullable(d.permissionsBoundary()).map(b -> b.permissionsBoundaryArn()),
                    attached, inline, tags,
                    d.instanceProfileList().stream().map(ip -> ip.instanceProfileName()).toList(),
                    Optional.ofNullable(d.roleLastUsed()).filter(u -> u.lastUsedDate() != null)
                            .map(u -> new RoleUse(u.lastUsedDate(), Optional.ofNullable(u.region()).filter(x -> !x.isBlank())))));
        });
        return out;
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
