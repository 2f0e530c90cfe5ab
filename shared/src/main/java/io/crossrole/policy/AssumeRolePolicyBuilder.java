package io.crossrole.policy;

import java.util.Collection;
import java.util.TreeSet;
import software.amazon.awssdk.policybuilder.iam.IamEffect;
import software.amazon.awssdk.policybuilder.iam.IamPolicy;
import software.amazon.awssdk.policybuilder.iam.IamStatement;

/**
 * Builds the identity policies that the grantee side needs: an Allow of {@code sts:AssumeRole} on exactly
 * the provisioned roles (attached to the grantee's groups, users or roles), or the explicit-deny guard on
 * the same roles (the best practice of denying everyone but the intended grantees).
 *
 * <pre>{@code
 * IamPolicy allow = AssumeRolePolicyBuilder.allow(List.of("arn:aws:iam::111111111111:role/UpdateApp"));
 * IamPolicy guard = AssumeRolePolicyBuilder.denyGuard(List.of("arn:aws:iam::111111111111:role/UpdateApp"));
 * }</pre>
 */
public final class AssumeRolePolicyBuilder {
    private AssumeRolePolicyBuilder() {
    }

    public static IamPolicy allow(Collection<String> roleArns) {
        return build(IamEffect.ALLOW, roleArns);
    }

    public static IamPolicy denyGuard(Collection<String> roleArns) {
        return build(IamEffect.DENY, roleArns);
    }

    private static IamPolicy build(IamEffect effect, Collection<String> roleArns) {
        if (roleArns.isEmpty()) {
            throw new IllegalArgumentException("name at least one role ARN");
        }
        if (roleArns.stream().anyMatch(arn -> arn.contains("*"))) {
            throw new IllegalArgumentException("role ARNs must be exact, without wildcards: " + roleArns);
        }
        IamStatement statement = IamStatement.builder()
                .effect(effect)
                .addAction("sts:AssumeRole")
                .resourceIds(new TreeSet<>(roleArns))
                .build();
        return IamPolicy.builder().version(PolicyDocuments.VERSION).addStatement(statement).build();
    }
}
