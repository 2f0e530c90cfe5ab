package io.crossrole.provision;

import io.crossrole.config.CrossroleConfig;
import io.crossrole.failure.AwsFailures;
import io.crossrole.failure.ProvisioningException;
import io.crossrole.grant.Grant;
import io.crossrole.iam.GranteePolicyApplier;
import io.crossrole.iam.IamRoleApplier;
import io.crossrole.iam.IamRoleReader;
import io.crossrole.lambda.InvocationMetrics;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.Partition;
import io.crossrole.policy.AssumeRolePolicyBuilder;
import io.crossrole.role.ActualRole;
import io.crossrole.role.DesiredRole;
import io.crossrole.role.PlanDecision;
import io.crossrole.role.RolePlan;
import io.crossrole.role.RolePlanner;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.AssignmentStore;
import io.crossrole.sts.AccountAccess;
import io.crossrole.sts.Backoff;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * Brings one grant to one account, or takes it away, and records the assignment's status:
 * reach the account, read the role, plan, apply, record. Every decision is the pure planner's.
 *
 * <pre>{@code
 * AccountResult r = provisioner.apply(grant, AccountId.of("111111111111"));
 * }</pre>
 */
public final class GrantProvisioner {
    private static final Logger LOG = LoggerFactory.getLogger(GrantProvisioner.class);
    private static final int MAX_MESSAGE = 1800;

    private final AccountAccess access;
    private final IamRoleReader reader;
    private final IamRoleApplier applier;
    private final GranteePolicyApplier grantees;
    private final AssignmentStore store;
    private final Partition partition;
    private final InvocationMetrics metrics = new InvocationMetrics();

    public GrantProvisioner(AccountAccess access, IamRoleReader reader, IamRoleApplier applier,
                            GranteePolicyApplier grantees, AssignmentStore store, Partition partition) {
        this.access = access;
        this.reader = reader;
        this.applier = applier;
        this.grantees = grantees;
        this.store = store;
        this.partition = partition;
    }

    /** The provisioner as every function wires it: accounts reached through {@code access}, statuses in {@code store}. */
    public static GrantProvisioner create(CrossroleConfig config, AccountAccess access, AssignmentStore store, Backoff backoff) {
        return new GrantProvisioner(access, new IamRoleReader(), new IamRoleApplier(backoff), new GranteePolicyApplier(), store,
                config.partition());
    }

    /** Makes the role in {@code account} match the grant. */
    public AccountResult apply(Grant grant, AccountId account) {
        DesiredRole desired = DesiredRole.of(grant, account);
        String roleArn = desired.arn(partition, account);
        try {
            IamClient iam = access.iam(account);
            Optional<ActualRole> actual = read(iam, desired.roleName(), false);
            if (actual.isPresent() && !actual.get().path().equals(desired.path())) {
                actual = read(iam, desired.roleName(), true);
            }
            PlanDecision decision = RolePlanner.reconcile(actual, desired);
            if (decision instanceof PlanDecision.Conflict conflict) {
                return record(grant.grantId(), account.value(), AssignmentStatus.FAILED, desired.roleName(), null,
                        desired.hash(), "conflict: " + conflict.message(), false, 0);
            }
            RolePlan plan = ((PlanDecision.Apply) decision).plan();
            applier.apply(iam, plan);
            String message = plan.isEmpty() ? "role matches the grant"
                    : (actual.isEmpty() ? "created: " : "updated: ") + String.join("; ", plan.brief());
            return record(grant.grantId(), account.value(), AssignmentStatus.PROVISIONED, desired.roleName(), roleArn,
                    desired.hash(), message, false, plan.operations().size());
        } catch (ProvisioningException e) {
            return failure(grant.grantId(), account.value(), desired.roleName(), roleArn, desired.hash(), e);
        }
    }

    /** Removes the grant's role from {@code account}; never a role that the grant does not own. */
    public AccountResult revoke(String grantId, String roleName, AccountId account, String reason) {
        try {
            IamClient iam = access.iam(account);
            Optional<ActualRole> actual = read(iam, roleName, true);
            PlanDecision decision = RolePlanner.revoke(actual, roleName, grantId);
            if (decision instanceof PlanDecision.Conflict conflict) {
                return record(grantId, account.value(), AssignmentStatus.REVOKED, roleName, null, null,
                        reason + "; nothing deleted: " + conflict.message(), false, 0);
            }
            RolePlan plan = ((PlanDecision.Apply) decision).plan();
            applier.apply(iam, plan);
            String message = reason + (plan.isEmpty() ? "; the role was already gone" : "; role " + roleName + " deleted");
            return record(grantId, account.value(), AssignmentStatus.REVOKED, roleName, null, null, message, false,
                    plan.operations().size());
        } catch (ProvisioningException e) {
            return failure(grantId, account.value(), roleName, null, null,
                    new ProvisioningException("revoking (" + reason + "): " + e.getMessage(), e.isRetryable(), e));
        }
    }

    /**
     * Lets each grantee group, user or role assume exactly {@code roleArns}; with no role ARNs left,
     * takes that permission away.
     */
    public AccountResult attachGrantee(String grantId, Arn grantee, Collection<String> roleArns) {
        String key = Assignment.GRANTEE_PREFIX + grantee;
        try {
            IamClient iam = access.iam(AccountId.of(grantee.account()));
            String policyName = GranteePolicyApplier.policyName(grantId);
            if (roleArns.isEmpty()) {
                boolean wrote = grantees.delete(iam, grantee, policyName);
                return record(grantId, key, AssignmentStatus.PENDING, null, null, null,
                        "no role of this grant is provisioned yet, so " + grantee + " may assume none", false, wrote ? 1 : 0);
            }
            String document = AssumeRolePolicyBuilder.allow(roleArns).toJson();
            boolean wrote = grantees.put(iam, grantee, policyName, document);
            return record(grantId, key, AssignmentStatus.PROVISIONED, null, null, null,
                    grantee.resourceType() + " may assume " + String.join(", ", roleArns.stream().sorted().toList())
                            + " (inline policy " + policyName + ")", false, wrote ? 1 : 0);
        } catch (ProvisioningException e) {
            return failure(grantId, key, null, null, null, e);
        }
    }

    public AccountResult detachGrantee(String grantId, Arn grantee, String reason) {
        String key = Assignment.GRANTEE_PREFIX + grantee;
        try {
            IamClient iam = access.iam(AccountId.of(grantee.account()));
            boolean wrote = grantees.delete(iam, grantee, GranteePolicyApplier.policyName(grantId));
            return record(grantId, key, AssignmentStatus.REVOKED, null, null, null,
                    reason + "; " + grantee.resourceType() + " may no longer assume the grant's roles", false, wrote ? 1 : 0);
        } catch (ProvisioningException e) {
            return failure(grantId, key, null, null, null, e);
        }
    }

    /** Records a status without touching IAM: refused records, unsupported targets. */
    public AccountResult note(String grantId, String key, AssignmentStatus status, String roleName, String message) {
        return record(grantId, key, status, roleName, null, null, message, false, 0);
    }

    /** Counts of this invocation's outcomes (AssignmentsProvisioned, AssignmentsFailed, ...). */
    public InvocationMetrics metrics() {
        return metrics;
    }

    public List<Assignment> assignments(String grantId) {
        return store.forGrant(grantId);
    }

    /**
     * Reads the role; a failure to read (throttling that outlasted the SDK's retries, a denied read) becomes a
     * {@link ProvisioningException}, so that it is recorded on the assignment like any other, PENDING or FAILED,
     * instead of escaping the account's work unrecorded.
     */
    private Optional<ActualRole> read(IamClient iam, String roleName, boolean withInstanceProfiles) {
        try {
            return reader.read(iam, roleName, withInstanceProfiles);
        } catch (SdkException e) {
            throw new ProvisioningException("cannot read role " + roleName + ": " + AwsFailures.message(e),
                    AwsFailures.isRetryable(e), e);
        }
    }

    private AccountResult failure(String grantId, String key, String roleName, String roleArn, String hash,
                                  ProvisioningException e) {
        AssignmentStatus status = e.isRetryable() ? AssignmentStatus.PENDING : AssignmentStatus.FAILED;
        String message = e.isRetryable() ? "will retry: " + e.getMessage() : e.getMessage();
        return record(grantId, key, status, roleName, roleArn, hash, message, e.isRetryable(), 0);
    }

    private AccountResult record(String grantId, String key, AssignmentStatus status, String roleName, String roleArn,
                                 String hash, String message, boolean retry, int writes) {
        String text = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) + "…" : message;
        store.record(new AssignmentStore.Update(grantId, key, status, roleName, roleArn, hash, text));
        metrics.increment("Assignments" + status.name().charAt(0) + status.name().substring(1).toLowerCase(Locale.ROOT));
        try (var g = MDC.putCloseable("grantId", grantId); var a = MDC.putCloseable("accountId", key)) {
            LOG.info("grantId={} accountId={} status={} iamWrites={} {}", grantId, key, status, writes, text);
        }
        return new AccountResult(key, status, Optional.ofNullable(roleArn), text, retry, writes);
    }
}
