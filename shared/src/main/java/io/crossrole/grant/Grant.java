package io.crossrole.grant;

import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.Principal;
import io.crossrole.model.Target;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated grant: "in these owner accounts, keep role R, trusted by P, with permissions Q".
 * Made by {@link GrantParser}, which checks every field; build one directly only in tests.
 *
 * <pre>{@code
 * Grant grant = Grant.builder()
 *         .grantId("prod-updateapp").roleName("UpdateApp")
 *         .addTarget(Target.parse("111111111111"))
 *         .addTrustedPrincipal(Principal.parse("222222222222", Partition.AWS))
 *         .requireMfa(true)
 *         .build();
 * }</pre>
 */
public record Grant(
        String grantId,
        String roleName,
        String rolePath,
        List<Target> targets,
        List<Principal> trustedPrincipals,
        List<String> managedPolicyArns,
        Optional<String> inlinePolicy,
        Optional<String> permissionsBoundaryArn,
        Optional<String> externalId,
        boolean requireMfa,
        Optional<Integer> maxSessionDuration,
        Optional<String> description,
        Map<String, String> tags,
        List<Arn> granteeAttach,
        List<Arn> granteeDeny,
        Optional<Instant> expiresAt) {

    public Grant {
        Objects.requireNonNull(grantId, "grantId");
        Objects.requireNonNull(roleName, "roleName");
        rolePath = rolePath == null ? "/" : rolePath;
        targets = List.copyOf(targets);
        trustedPrincipals = List.copyOf(trustedPrincipals);
        managedPolicyArns = List.copyOf(managedPolicyArns);
        tags = Map.copyOf(tags);
        granteeAttach = List.copyOf(granteeAttach);
        granteeDeny = List.copyOf(granteeDeny);
    }

    /** The account IDs among the targets; OU and root targets need the organization to expand. */
    public List<AccountId> accountTargets() {
        return targets.stream()
                .filter(Target.Account.class::isInstance)
                .map(t -> ((Target.Account) t).account())
                .toList();
    }

    /** This grant with another permissions boundary (the guardrails' required one). */
    public Grant withPermissionsBoundaryArn(String arn) {
        return new Grant(grantId, roleName, rolePath, targets, trustedPrincipals, managedPolicyArns, inlinePolicy,
                Optional.of(arn), externalId, requireMfa, maxSessionDuration, description, tags, granteeAttach, granteeDeny, expiresAt);
    }

    public boolean isExpired(Instant now) {
        return expiresAt.map(at -> !at.isAfter(now)).orElse(false);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String grantId;
        private String roleName;
        private String rolePath = "/";
        private final List<Target> targets = new ArrayList<>();
        private final List<Principal> trustedPrincipals = new ArrayList<>();
        private final List<String> managedPolicyArns = new ArrayList<>();
        private String inlinePolicy;
        private String permissionsBoundaryArn;
        private String externalId;
        private boolean requireMfa;
        private Integer maxSessionDuration;
        private String description;
        private final Map<String, String> tags = new LinkedHashMap<>();
        private final List<Arn> granteeAttach = new ArrayList<>();
        private final List<Arn> granteeDeny = new ArrayList<>();
        private Instant expiresAt;

        public Builder grantId(String v) { this.grantId = v; return this; }
        public Builder roleName(String v) { this.roleName = v; return this; }
        public Builder rolePath(String v) { this.rolePath = v; return this; }
        public Builder addTarget(Target v) { this.targets.add(v); return this; }
        public Builder addTrustedPrincipal(Principal v) { this.trustedPrincipals.add(v); return this; }
        public Builder addManagedPolicyArn(String v) { this.managedPolicyArns.add(v); return this; }
        public Builder inlinePolicy(String v) { this.inlinePolicy = v; return this; }
        public Builder permissionsBoundaryArn(String v) { this.permissionsBoundaryArn = v; return this; }
        public Builder externalId(String v) { this.externalId = v; return this; }
        public Builder requireMfa(boolean v) { this.requireMfa = v; return this; }
        public Builder maxSessionDuration(Integer v) { this.maxSessionDuration = v; return this; }
        public Builder description(String v) { this.description = v; return this; }
        public Builder putTag(String k, String v) { this.tags.put(k, v); return this; }
        public Builder addGranteeAttach(Arn v) { this.granteeAttach.add(v); return this; }
        public Builder addGranteeDeny(Arn v) { this.granteeDeny.add(v); return this; }
        public Builder expiresAt(Instant v) { this.expiresAt = v; return this; }

        public Grant build() {
            return new Grant(grantId, roleName, rolePath, targets, trustedPrincipals, managedPolicyArns,
                    Optional.ofNullable(inlinePolicy), Optional.ofNullable(permissionsBoundaryArn),
                    Optional.ofNullable(externalId), requireMfa, Optional.ofNullable(maxSessionDuration),
                    Optional.ofNullable(description), tags, granteeAttach, granteeDeny, Optional.ofNullable(expiresAt));
        }
    }
}
