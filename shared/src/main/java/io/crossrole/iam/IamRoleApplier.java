package io.crossrole.iam;

import io.crossrole.failure.AwsFailures;
import io.crossrole.failure.ProvisioningException;
import io.crossrole.role.RoleOperation;
import io.crossrole.role.RoleOperation.AttachManagedPolicy;
import io.crossrole.role.RoleOperation.CreateRole;
import io.crossrole.role.RoleOperation.DeleteInlinePolicy;
import io.crossrole.role.RoleOperation.DeletePermissionsBoundary;
import io.crossrole.role.RoleOperation.DeleteRole;
import io.crossrole.role.RoleOperation.DetachManagedPolicy;
import io.crossrole.role.RoleOperation.PutInlinePolicy;
import io.crossrole.role.RoleOperation.PutPermissionsBoundary;
import io.crossrole.role.RoleOperation.RemoveFromInstanceProfile;
import io.crossrole.role.RoleOperation.TagRole;
import io.crossrole.role.RoleOperation.UntagRole;
import io.crossrole.role.RoleOperation.UpdateRole;
import io.crossrole.role.RoleOperation.UpdateTrustPolicy;
import io.crossrole.role.RolePlan;
import io.crossrole.sts.Backoff;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Tag;

/**
 * Makes the IAM calls of a {@link RolePlan}, in order. A trust policy naming a principal that IAM does not
 * see yet ({@code MalformedPolicyDocument: Invalid principal}, eventual consistency) is retried with backoff;
 * every other failure becomes a {@link ProvisioningException} saying which operation failed and why.
 *
 * <pre>{@code
 * new IamRoleApplier(backoff).apply(iam, plan);
 * }</pre>
 */
public final class IamRoleApplier {
    private final Backoff backoff;

    public IamRoleApplier(Backoff backoff) {
        this.backoff = backoff;
    }

    public void apply(IamClient iam, RolePlan plan) {
        for (RoleOperation op : plan.operations()) {
            try {
                backoff.retry(() -> {
                    execute(iam, plan.roleName(), op);
                    return null;
                }, IamRoleApplier::isInvalidPrincipal);
            } catch (RuntimeException e) {
                throw failure(plan.roleName(), op, e);
            }
        }
    }

    private static void execute(IamClient iam, String roleName, RoleOperation op) {
        switch (op) {
            case CreateRole c -> iam.createRole(r -> {
                r.roleName(roleName).path(c.role().path())
                        .assumeRolePolicyDocument(c.role().trustPolicy())
                        .description(c.role().description())
                        .maxSessionDuration(c.role().maxSessionDuration())
                        .tags(tags(c.role().tags()));
                c.role().permissionsBoundaryArn().ifPresent(r::permissionsBoundary);
            });
            case UpdateTrustPolicy u -> iam.updateAssumeRolePolicy(r -> r.roleName(roleName).policyDocument(u.document()));
            case UpdateRole u -> iam.updateRole(r -> r.roleName(roleName).description(u.description())
                    .maxSessionDuration(u.maxSessionDuration()));
            case PutPermissionsBoundary p -> iam.putRolePermissionsBoundary(r -> r.roleName(roleName).permissionsBoundary(p.policyArn()));
            case DeletePermissionsBoundary d -> iam.deleteRolePermissionsBoundary(r -> r.roleName(roleName));
            case PutInlinePolicy p -> iam.putRolePolicy(r -> r.roleName(roleName).policyName(p.name()).policyDocument(p.document()));
            case DeleteInlinePolicy d -> ignoreMissing(() -> iam.deleteRolePolicy(r -> r.roleName(roleName).policyName(d.name())));
            case AttachManagedPolicy a -> iam.attachRolePolicy(r -> r.roleName(roleName).policyArn(a.policyArn()));
            case DetachManagedPolicy d -> ignoreMissing(() -> iam.detachRolePolicy(r -> r.roleName(roleName).policyArn(d.policyArn())));
            case TagRole t -> iam.tagRole(r -> r.roleName(roleName).tags(tags(t.tags())));
            case UntagRole u -> iam.untagRole(r -> r.roleName(roleName).tagKeys(u.keys()));
            case RemoveFromInstanceProfile p -> ignoreMissing(() -> iam.removeRoleFromInstanceProfile(
                    r -> r.roleName(roleName).instanceProfileName(p.instanceProfileName())));
            case DeleteRole d -> ignoreMissing(() -> iam.deleteRole(r -> r.roleName(roleName)));
        }
    }

    private static List<Tag> tags(Map<String, String> tags) {
        return tags.entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList();
    }

    /** Removing what is already gone is done: a crash between two calls is repaired by the next run. */
    private static void ignoreMissing(Runnable call) {
        try {
            call.run();
        } catch (NoSuchEntityException e) {
            // already in the state the plan wants
        }
    }

    static boolean isInvalidPrincipal(RuntimeException e) {
        return AwsFailures.errorCode(e).filter("MalformedPolicyDocument"::equals).isPresent()
                && AwsFailures.message(e).toLowerCase(java.util.Locale.ROOT).contains("invalid principal");
    }

    private static ProvisioningException failure(String roleName, RoleOperation op, RuntimeException e) {
        if (e instanceof ProvisioningException p) {
            return p;
        }
        String what = "IAM refused to " + op.brief() + " on role " + roleName + ": " + AwsFailures.message(e);
        if (isInvalidPrincipal(e)) {
            return ProvisioningException.permanent(what + " (a trusted principal does not exist, or was deleted)", e);
        }
        if (AwsFailures.errorCode(e).filter("NoSuchEntity"::equals).isPresent() && op instanceof AttachManagedPolicy a) {
            return ProvisioningException.permanent("managed policy " + a.policyArn() + " does not exist in this account", e);
        }
        if (AwsFailures.errorCode(e).filter("NoSuchEntity"::equals).isPresent() && op instanceof PutPermissionsBoundary b) {
            return ProvisioningException.permanent("permissions boundary " + b.policyArn() + " does not exist in this account", e);
        }
        if (AwsFailures.errorCode(e).filter("EntityAlreadyExists"::equals).isPresent()) {
            return ProvisioningException.retryable(what + " (created concurrently; will re-read)", e);
        }
        return new ProvisioningException(what, AwsFailures.isRetryable(e), e);
    }
}
