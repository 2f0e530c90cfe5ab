package io.crossrole.policy;

import io.crossrole.grant.Grant;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.Partition;
import io.crossrole.model.Target;
import io.crossrole.role.Ownership;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Pattern;
import software.amazon.awssdk.policybuilder.iam.IamConditionOperator;
import software.amazon.awssdk.policybuilder.iam.IamEffect;
import software.amazon.awssdk.policybuilder.iam.IamPolicy;
import software.amazon.awssdk.policybuilder.iam.IamStatement;

/**
 * Builds the identity policies of a grant's grantee side: an Allow of {@code sts:AssumeRole} on the grant's roles
 * (put on the grantee groups, users or roles), or the explicit-deny guard on the same roles. The document is a
 * function of the grant alone, the same whatever the number of accounts: exact role ARNs when the grant names its
 * accounts, the role's ARN across accounts when it targets OUs or the root, and in both cases only roles that carry
 * the grant's {@code crossrole:grant-id} tag ({@code aws:ResourceTag}, which {@code sts:AssumeRole} supports) in an
 * account of the organization ({@code aws:ResourceOrgID}).
 *
 * <pre>{@code
 * IamPolicy allow = AssumeRolePolicyBuilder.allow(RoleScope.of(grant, Partition.AWS, "o-abc123defg"));
 * }</pre>
 */
public final class AssumeRolePolicyBuilder {
    /** IAM's quota on all inline policies of a group, user or role together, white space not counted. */
    public static final int GROUP_QUOTA = 5120;
    public static final int USER_QUOTA = 2048;
    public static final int ROLE_QUOTA = 10240;
    /** A role ARN with an exact path and name; the account exact or {@code *}. */
    private static final Pattern ROLE_ARN = Pattern.compile("arn:[a-z-]+:iam::(\\d{12}|\\*):role/([^*?]*/)?[^*?/]+");

    private AssumeRolePolicyBuilder() {
    }

    /**
     * Where a grant's roles are.
     *
     * @param resources      exact role ARNs, or the role's ARN with {@code *} for the account (no other wildcard)
     * @param grantId        only roles tagged with it
     * @param organizationId only roles in accounts of this organization
     */
    public record RoleScope(List<String> resources, String grantId, String organizationId) {
        public RoleScope {
            resources = List.copyOf(new TreeSet<>(resources));
            Objects.requireNonNull(grantId);
            Objects.requireNonNull(organizationId);
            if (resources.isEmpty()) {
                throw new IllegalArgumentException("name at least one role ARN");
            }
            List<String> wild = resources.stream().filter(r -> !ROLE_ARN.matcher(r).matches()).toList();
            if (!wild.isEmpty()) {
                throw new IllegalArgumentException("role ARNs must name the role exactly (only the account may be *): " + wild);
            }
        }

        /** The grant's roles: exact ARNs for account targets; the ARN across accounts once any target is an OU or root. */
        public static RoleScope of(Grant grant, Partition partition, String organizationId) {
            boolean accountsOnly = grant.targets().stream().allMatch(Target.Account.class::isInstance);
            List<String> resources = accountsOnly
                    ? grant.accountTargets().stream().map(a -> Arn.role(partition, a, grant.rolePath(), grant.roleName())).toList()
                    : List.of("arn:" + partition.id() + ":iam::*:role" + grant.rolePath() + grant.roleName());
            return new RoleScope(resources, grant.grantId(), organizationId);
        }
    }

    public static IamPolicy allow(RoleScope scope) {
        return build(IamEffect.ALLOW, scope);
    }

    public static IamPolicy denyGuard(RoleScope scope) {
        return build(IamEffect.DENY, scope);
    }

    /** IAM's inline-policy quota for a grantee of this type ({@code group}, {@code user}, {@code role}). */
    public static int inlineQuota(String principalType) {
        return switch (principalType) {
            case "group" -> GROUP_QUOTA;
            case "user" -> USER_QUOTA;
            default -> ROLE_QUOTA;
        };
    }

    /** The ARN of the role a grant has in one account (what a trust policy or an exact grantee policy names). */
    public static String roleArn(Grant grant, Partition partition, AccountId account) {
        return Arn.role(partition, account, grant.rolePath(), grant.roleName());
    }

    private static IamPolicy build(IamEffect effect, RoleScope scope) {
        IamStatement statement = IamStatement.builder()
                .effect(effect)
                .addAction("sts:AssumeRole")
                .resourceIds(scope.resources())
                .addCondition(IamConditionOperator.STRING_EQUALS, "aws:ResourceTag/" + Ownership.GRANT_ID, scope.grantId())
                .addCondition(IamConditionOperator.STRING_EQUALS, "aws:ResourceOrgID", scope.organizationId())
                .build();
        return IamPolicy.builder().version(PolicyDocuments.VERSION).addStatement(statement).build();
    }
}
