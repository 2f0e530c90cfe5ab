package io.crossrole.policy;

import io.crossrole.model.Principal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.policybuilder.iam.IamConditionOperator;
import software.amazon.awssdk.policybuilder.iam.IamEffect;
import software.amazon.awssdk.policybuilder.iam.IamPolicy;
import software.amazon.awssdk.policybuilder.iam.IamPrincipalType;
import software.amazon.awssdk.policybuilder.iam.IamStatement;

/**
 * Builds a role's trust policy: who may call {@code sts:AssumeRole}, and under which conditions.
 *
 * <pre>{@code
 * IamPolicy trust = TrustPolicyBuilder.builder()
 *         .addPrincipal(Principal.parse("222222222222", Partition.AWS))
 *         .externalId("Unique-3rd-party-ID-12345")
 *         .requireMfa(true)
 *         .expiresAt(Instant.parse("2026-12-31T00:00:00Z"))
 *         .build();
 * }</pre>
 */
public final class TrustPolicyBuilder {
    private final List<Principal> principals = new ArrayList<>();
    private String externalId;
    private boolean requireMfa;
    private Instant expiresAt;

    private TrustPolicyBuilder() {
    }

    public static TrustPolicyBuilder builder() {
        return new TrustPolicyBuilder();
    }

    /** @throws IllegalArgumentException for a principal whose ARN holds a wildcard: a trust policy names its principals */
    public TrustPolicyBuilder addPrincipal(Principal principal) {
        if (Objects.requireNonNull(principal).arn().contains("*")) {
            throw new IllegalArgumentException("a trust policy never trusts a wildcard: " + principal.arn());
        }
        principals.add(principal);
        return this;
    }

    public TrustPolicyBuilder principals(List<Principal> all) {
        all.forEach(this::addPrincipal);
        return this;
    }

    /** Adds a {@code StringEquals sts:ExternalId} condition (third parties: the confused deputy). */
    public TrustPolicyBuilder externalId(String value) {
        this.externalId = value;
        return this;
    }

    /** Adds a {@code Bool aws:MultiFactorAuthPresent = true} condition. */
    public TrustPolicyBuilder requireMfa(boolean value) {
        this.requireMfa = value;
        return this;
    }

    /**
     * Adds a {@code DateLessThan aws:CurrentTime} condition: no session starts at or after the grant's expiry
     * (the role's {@link ExpiryPolicy} ends the sessions already started).
     */
    public TrustPolicyBuilder expiresAt(Instant value) {
        this.expiresAt = value;
        return this;
    }

    public IamPolicy build() {
        if (principals.isEmpty()) {
            throw new IllegalStateException("a trust policy needs at least one principal");
        }
        IamStatement.Builder statement = IamStatement.builder()
                .effect(IamEffect.ALLOW)
                .addAction("sts:AssumeRole")
                .addPrincipals(IamPrincipalType.AWS, principals.stream().map(Principal::arn).distinct().sorted().toList());
        if (externalId != null) {
            statement.addCondition(IamConditionOperator.STRING_EQUALS, "sts:ExternalId", externalId);
        }
        if (requireMfa) {
            statement.addCondition(IamConditionOperator.BOOL, "aws:MultiFactorAuthPresent", "true");
        }
        if (expiresAt != null) {
            statement.addCondition(IamConditionOperator.DATE_LESS_THAN, "aws:CurrentTime", expiresAt.toString());
        }
        return IamPolicy.builder().version(PolicyDocuments.VERSION).addStatement(statement.build()).build();
    }
}
