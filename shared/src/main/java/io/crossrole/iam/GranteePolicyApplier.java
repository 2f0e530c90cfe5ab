package io.crossrole.iam;

import io.crossrole.failure.AwsFailures;
import io.crossrole.failure.ProvisioningException;
import io.crossrole.grant.GranteeSide;
import io.crossrole.model.Arn;
import java.util.Optional;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/**
 * Puts (or removes) the inline identity policy that lets a grantee group, user or role call
 * {@code sts:AssumeRole} on a grant's roles. The caller reads first ({@link #read}) and writes only when the
 * document differs, so a redelivered event writes nothing. Only Crossrole's own policy, named by
 * {@link #policyName(String)}, is ever touched.
 *
 * <pre>{@code
 * grantees.put(devIam, Arn.parse("arn:aws:iam::222222222222:group/Developers").orElseThrow(), "crossrole-assume-prod-updateapp", doc);
 * }</pre>
 */
public final class GranteePolicyApplier {

    /** {@code crossrole-assume-<grantId>} on an allowed grantee, {@code crossrole-deny-<grantId>} on a denied one. */
    public static String policyName(String grantId, GranteeSide side) {
        return (side == GranteeSide.ALLOW ? "crossrole-assume-" : "crossrole-deny-") + grantId;
    }

    /** Writes the document (one call). */
    public void put(IamClient iam, Arn principal, String policyName, String document) {
        String name = principal.resourceName();
        try {
            switch (principal.resourceType()) {
                case "group" -> iam.putGroupPolicy(r -> r.groupName(name).policyName(policyName).policyDocument(document));
                case "user" -> iam.putUserPolicy(r -> r.userName(name).policyName(policyName).policyDocument(document));
                case "role" -> iam.putRolePolicy(r -> r.roleName(name).policyName(policyName).policyDocument(document));
                default -> throw new IllegalArgumentException("not a group, user or role: " + principal);
            }
        } catch (NoSuchEntityException e) {
            throw ProvisioningException.permanent(principal.resourceType() + " " + principal + " does not exist", e);
        } catch (RuntimeException e) {
            throw wrap("allow " + principal + " to assume the grant's roles", e);
        }
    }

    /** @return true when IAM was written */
    public boolean delete(IamClient iam, Arn principal, String policyName) {
        String name = principal.resourceName();
        try {
            switch (principal.resourceType()) {
                case "group" -> iam.deleteGroupPolicy(r -> r.groupName(name).policyName(policyName));
                case "user" -> iam.deleteUserPolicy(r -> r.userName(name).policyName(policyName));
                case "role" -> iam.deleteRolePolicy(r -> r.roleName(name).policyName(policyName));
                default -> throw new IllegalArgumentException("not a group, user or role: " + principal);
            }
            return true;
        } catch (NoSuchEntityException e) {
            return false;
        } catch (RuntimeException e) {
            throw wrap("remove " + policyName + " from " + principal, e);
        }
    }

    /**
     * The grantee's policy of that name, when it has one.
     *
     * @throws ProvisioningException when it cannot be read (throttling, a denied read)
     */
    public Optional<String> read(IamClient iam, Arn principal, String policyName) {
        String name = principal.resourceName();
        try {
            String doc = switch (principal.resourceType()) {
                case "group" -> iam.getGroupPolicy(r -> r.groupName(name).policyName(policyName)).policyDocument();
                case "user" -> iam.getUserPolicy(r -> r.userName(name).policyName(policyName)).policyDocument();
                default -> iam.getRolePolicy(r -> r.roleName(name).policyName(policyName)).policyDocument();
            };
            return Optional.of(IamRoleReader.decode(doc));
        } catch (NoSuchEntityException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            throw wrap("read " + policyName + " of " + principal, e);
        }
    }

    private static ProvisioningException wrap(String what, RuntimeException e) {
        if (e instanceof ProvisioningException p) {
            return p;
        }
        return new ProvisioningException("IAM refused to " + what + ": " + AwsFailures.message(e), AwsFailures.isRetryable(e), e);
    }
}
