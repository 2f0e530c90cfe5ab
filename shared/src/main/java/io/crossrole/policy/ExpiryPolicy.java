package io.crossrole.policy;

import java.time.Instant;
import software.amazon.awssdk.policybuilder.iam.IamConditionOperator;
import software.amazon.awssdk.policybuilder.iam.IamEffect;
import software.amazon.awssdk.policybuilder.iam.IamPolicy;
import software.amazon.awssdk.policybuilder.iam.IamStatement;

/**
 * The inline policy that makes a grant's expiry exact: after {@code expiresAt} every action of the role is denied,
 * so sessions issued before the expiry stop working at it, whenever the role itself is deleted. Its partner is the
 * trust policy's {@code DateLessThan aws:CurrentTime} ({@link TrustPolicyBuilder#expiresAt}), which stops new
 * sessions.
 *
 * <pre>{@code
 * String doc = ExpiryPolicy.denyEverythingAfter(Instant.parse("2026-12-31T00:00:00Z")).toJson();
 * }</pre>
 */
public final class ExpiryPolicy {
    /** The inline policy's name on the role. */
    public static final String NAME = "crossrole-expiry";

    private ExpiryPolicy() {
    }

    public static IamPolicy denyEverythingAfter(Instant expiresAt) {
        return IamPolicy.builder().version(PolicyDocuments.VERSION).addStatement(IamStatement.builder()
                .sid("CrossroleGrantExpired")
                .effect(IamEffect.DENY)
                .addAction("*")
                .addResource("*")
                .addCondition(IamConditionOperator.DATE_GREATER_THAN, "aws:CurrentTime", expiresAt.toString())
                .build()).build();
    }
}
