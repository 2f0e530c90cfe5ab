package io.crossrole.grant;

/**
 * IAM quotas that a grant must fit in. The defaults are IAM's; accounts with raised quotas configure
 * larger ones (see {@code CrossroleConfig}).
 *
 * @param trustPolicyMaxChars    role trust policy length, white space not counted (default 2,048; up to 8,192)
 * @param inlinePoliciesMaxChars all inline policies of one role together (10,240)
 * @param managedPoliciesMax     managed policies attached to one role (default 10; up to 20)
 */
public record Limits(int trustPolicyMaxChars, int inlinePoliciesMaxChars, int managedPoliciesMax) {
    public static final Limits DEFAULT = new Limits(2048, 10240, 10);

    public Limits {
        if (trustPolicyMaxChars <= 0 || inlinePoliciesMaxChars <= 0 || managedPoliciesMax <= 0) {
            throw new IllegalArgumentException("limits must be positive: " + trustPolicyMaxChars + ", "
                    + inlinePoliciesMaxChars + ", " + managedPoliciesMax);
        }
    }
}
