package io.crossrole.role;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crossrole.grant.Grant;
import io.crossrole.guardrail.GuardrailCheck;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.Partition;
import io.crossrole.policy.ExpiryPolicy;
import io.crossrole.policy.PolicyDocuments;
import io.crossrole.policy.TrustPolicyBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The role a grant asks for in one owner account: a pure function of the grant and the account (the account
 * fills in a guardrail's {@code ${AccountId}} permissions boundary).
 *
 * <pre>{@code
 * DesiredRole desired = DesiredRole.of(grant, AccountId.of("111111111111"));
 * desired.arn(Partition.AWS, AccountId.of("111111111111")); // arn:aws:iam::111111111111:role/crossrole-managed/UpdateApp
 * }</pre>
 */
public record DesiredRole(
        String grantId,
        String roleName,
        String path,
        String trustPolicy,
        String description,
        int maxSessionDuration,
        Optional<String> permissionsBoundaryArn,
        SortedSet<String> managedPolicyArns,
        SortedMap<String, String> inlinePolicies,
        SortedMap<String, String> tags) {

    /** The name of the inline permissions policy Crossrole puts on a role. */
    public static final String INLINE_POLICY_NAME = "crossrole-permissions";
    public static final int DEFAULT_MAX_SESSION = 3600;
    private static final ObjectMapper CANONICAL_JSON = new ObjectMapper();

    public DesiredRole {
        managedPolicyArns = Collections.unmodifiableSortedSet(new TreeSet<>(managedPolicyArns));
        inlinePolicies = Collections.unmodifiableSortedMap(new TreeMap<>(inlinePolicies));
        tags = Collections.unmodifiableSortedMap(new TreeMap<>(tags));
    }

    public static DesiredRole of(Grant grant, AccountId account) {
        String trust = TrustPolicyBuilder.builder()
                .principals(grant.trustedPrincipals())
                .externalId(grant.externalId().orElse(null))
                .requireMfa(grant.requireMfa())
                .expiresAt(grant.expiresAt().orElse(null))
                .build()
                .toJson();
        SortedMap<String, String> inline = new TreeMap<>();
        grant.inlinePolicy().ifPresent(doc -> inline.put(INLINE_POLICY_NAME, doc));
        grant.expiresAt().ifPresent(at -> inline.put(ExpiryPolicy.NAME, ExpiryPolicy.denyEverythingAfter(at).toJson()));
        SortedMap<String, String> tags = new TreeMap<>(grant.tags());
        tags.putAll(Ownership.tags(grant.grantId()));
        return new DesiredRole(grant.grantId(), grant.roleName(), grant.rolePath(), trust,
                grant.description().orElse("Managed by Crossrole for grant " + grant.grantId()),
                grant.maxSessionDuration().orElse(DEFAULT_MAX_SESSION),
                grant.permissionsBoundaryArn().map(b -> b.replace(GuardrailCheck.ACCOUNT_ID, account.value())),
                new TreeSet<>(grant.managedPolicyArns()), inline, tags);
    }

    public String arn(Partition partition, AccountId account) {
        return Arn.role(partition, account, path, roleName);
    }

    /** A digest of everything the role should be, stored on the assignment to tell versions apart. */
    public String hash() {
        Map<String, Object> fields = new TreeMap<>();
        fields.put("roleName", roleName);
        fields.put("path", path);
        fields.put("trustPolicy", PolicyDocuments.canonical(trustPolicy));
        fields.put("description", description);
        fields.put("maxSessionDuration", maxSessionDuration);
        fields.put("permissionsBoundaryArn", permissionsBoundaryArn.orElse(""));
        fields.put("managedPolicyArns", List.copyOf(managedPolicyArns));
        Map<String, String> inline = new TreeMap<>();
        inlinePolicies.forEach((k, v) -> inline.put(k, PolicyDocuments.canonical(v)));
        fields.put("inlinePolicies", inline);
        fields.put("tags", tags);
        String text;
        try {
            text = CANONICAL_JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
