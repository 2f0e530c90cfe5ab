package io.crossrole.drift;

import io.crossrole.config.CrossroleConfig.DriftMode;
import io.crossrole.failure.AwsFailures;
import io.crossrole.failure.ProvisioningException;
import io.crossrole.grant.Grant;
import io.crossrole.grant.GrantValidation;
import io.crossrole.guardrail.GrantReview;
import io.crossrole.iam.IamRoleApplier;
import io.crossrole.iam.IamRoleReader;
import io.crossrole.model.AccountId;
import io.crossrole.model.Partition;
import io.crossrole.org.OrganizationView;
import io.crossrole.role.ActualRole;
import io.crossrole.role.DesiredRole;
import io.crossrole.role.Ownership;
import io.crossrole.role.PlanDecision;
import io.crossrole.role.RoleDrift;
import io.crossrole.role.RolePlan;
import io.crossrole.role.RolePlanner;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.AssignmentStore;
import io.crossrole.store.GrantStore;
import io.crossrole.sts.AccountAccess;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * Checks one account: one AssumeRole, one bulk read of every role (GetAccountAuthorizationDetails and
 * ListRoles, paginated), then each managed role against its grant with the same diff provisioning uses.
 * In {@link DriftMode#REPORT} it only records; in {@link DriftMode#REMEDIATE} it applies the repair plan.
 * Never touches a role Crossrole does not own; orphans (Crossrole's tags, no grant; or an assignment whose grant
 * record is gone) are reported, not deleted, and so is a grant the guardrails now refuse.
 *
 * <pre>{@code
 * AccountCheck result = checker.check(AccountId.of("111111111111"), DriftMode.REPORT, organizationView);
 * }</pre>
 */
public final class DriftChecker {
    private static final Logger LOG = LoggerFactory.getLogger(DriftChecker.class);

    private final AccountAccess access;
    private final IamRoleReader reader;
    private final IamRoleApplier applier;
    private final AssignmentStore assignments;
    private final GrantStore grants;
    private final GrantReview review;
    private final Partition partition;
    private final Clock clock;

    public DriftChecker(AccountAccess access, IamRoleReader reader, IamRoleApplier applier, AssignmentStore assignments,
                        GrantStore grants, GrantReview review, Partition partition, Clock clock) {
        this.access = access;
        this.reader = reader;
        this.applier = applier;
        this.assignments = assignments;
        this.grants = grants;
        this.review = review;
        this.partition = partition;
        this.clock = clock;
    }

    /**
     * @param org the organization as this run sees it (the guardrails' checks of each grant need it)
     */
    public AccountCheck check(AccountId account, DriftMode mode, OrganizationView org) {
        List<Assignment> here = assignments.forAccount(account.value()).stream()
                .filter(a -> a.status() != AssignmentStatus.REVOKED).toList();
        Map<String, GrantValidation> byId = new HashMap<>();
        grants.current(here.stream().map(Assignment::grantId).distinct().toList())
                .forEach((id, raw) -> byId.put(id, review.review(raw, org)));

        Map<String, ActualRole> roles;
        try {
            IamClient iam = access.iam(account);
            roles = reader.readAccount(iam);
            return compare(account, mode, iam, here, byId, roles, org);
        } catch (ProvisioningException | software.amazon.awssdk.core.exception.SdkException e) {
            String reason = "drift check cannot reach account " + account + ": "
                    + (e instanceof ProvisioningException ? e.getMessage() : AwsFailures.message(e));
            here.stream().filter(a -> a.status() == AssignmentStatus.PROVISIONED || a.status() == AssignmentStatus.DRIFTED)
                    .forEach(a -> note(a.grantId(), account, AssignmentStatus.FAILED, a.roleName().orElse(null), null, reason));
            LOG.warn("accountId={} {}", account, reason);
            return new AccountCheck(account.value(), 0, 0, 0, 0, true, List.of(reason));
        }
    }

    private AccountCheck compare(AccountId account, DriftMode mode, IamClient iam, List<Assignment> here,
                                 Map<String, GrantValidation> byId, Map<String, ActualRole> roles, OrganizationView org) {
        int inSync = 0;
        int drifted = 0;
        int repaired = 0;
        int orphans = 0;
        List<String> findings = new ArrayList<>();
        Set<String> expected = new HashSet<>();
        for (Assignment a : here) {
            a.roleName().ifPresent(role -> expected.add(a.grantId() + "/" + role));
            boolean checkable = a.status() == AssignmentStatus.PROVISIONED || a.status() == AssignmentStatus.DRIFTED;
            if (!checkable) {
                continue;
            }
            GrantValidation validation = byId.get(a.grantId());
            if (validation == null) {
                orphans++;
                String message = "orphan assignment: grant '" + a.grantId() + "' is not in the Grants table, but its role "
                        + a.roleName().orElse("?") + " was provisioned here and Crossrole never revoked it (a deletion the"
                        + " functions did not see); reported, not deleted: restore the grant or delete the role";
                findings.add(account + " " + message);
                note(a.grantId(), account, AssignmentStatus.DRIFTED, a.roleName().orElse(null), a.roleArn().orElse(null), message);
                continue;
            }
            if (!validation.isValid()) {
                String message = "grant refused, not checked or repaired (the role is left as it is, never deleted): "
                        + validation.summary();
                findings.add(account + " " + a.roleName().orElse("?") + " (grant " + a.grantId() + "): " + message);
                note(a.grantId(), account, AssignmentStatus.FAILED, a.roleName().orElse(null), a.roleArn().orElse(null), message);
                continue;
            }
            Grant grant = validation.grant().orElseThrow();
            if (grant.isExpired(clock.instant())) {
                continue;
            }
            Optional<String> protection = review.guardrails().protection(account, org);
            if (protection.isPresent()) {
                String message = "guardrail protectedTargets: " + protection.get() + "; not checked or repaired, the role is"
                        + " left as it is (never deleted)";
                findings.add(account + " " + grant.roleName() + " (grant " + grant.grantId() + "): " + message);
                note(grant.grantId(), account, AssignmentStatus.FAILED, grant.roleName(), a.roleArn().orElse(null), message);
                continue;
            }
            DesiredRole desired = DesiredRole.of(grant, account);
            expected.add(grant.grantId() + "/" + desired.roleName());
            Optional<ActualRole> actual = Optional.ofNullable(roles.get(desired.roleName()));
            List<String> differences = actual.map(r -> RoleDrift.describe(r, desired))
                    .orElse(List.of("role " + desired.roleName() + (a.roleArn().isEmpty() ? " was never created in this account"
                            : " was deleted outside Crossrole")));
            String roleArn = desired.arn(partition, account);
            if (differences.isEmpty()) {
                inSync++;
                note(grant.grantId(), account, AssignmentStatus.PROVISIONED, desired.roleName(), roleArn,
                        "in sync with the grant (drift check " + clock.instant() + ")");
                continue;
            }
            String described = String.join("; ", differences);
            findings.add(account + " " + desired.roleName() + " (grant " + grant.grantId() + "): " + described);
            PlanDecision decision = RolePlanner.reconcile(actual, desired);
            if (mode == DriftMode.REMEDIATE && decision instanceof PlanDecision.Apply apply) {
                try {
                    RolePlan plan = apply.plan();
                    applier.apply(iam, plan);
                    repaired++;
                    note(grant.grantId(), account, AssignmentStatus.PROVISIONED, desired.roleName(), roleArn,
                            "repaired by the drift check: " + described);
                    continue;
                } catch (ProvisioningException e) {
                    described = described + "; repair failed: " + e.getMessage();
                }
            }
            drifted++;
            note(grant.grantId(), account, AssignmentStatus.DRIFTED, desired.roleName(), roleArn, "drift: " + described);
        }
        for (ActualRole role : roles.values()) {
            Optional<String> owner = Ownership.owner(role.tags());
            if (owner.isPresent() && !expected.contains(owner.get() + "/" + role.roleName())) {
                orphans++;
                String message = "orphan: role " + role.arn() + " carries Crossrole's tags for grant '" + owner.get()
                        + "', which does not apply to this account; reported, not deleted";
                findings.add(message);
                note(owner.get(), account, AssignmentStatus.DRIFTED, role.roleName(), role.arn(), message);
            }
        }
        LOG.info("accountId={} mode={} inSync={} drifted={} repaired={} orphans={}", account, mode, inSync, drifted, repaired, orphans);
        return new AccountCheck(account.value(), inSync, drifted, repaired, orphans, false, findings);
    }

    private void note(String grantId, AccountId account, AssignmentStatus status, String roleName, String roleArn, String message) {
        assignments.record(new AssignmentStore.Update(grantId, account.value(), status, roleName, roleArn, null,
                message.length() > 1800 ? message.substring(0, 1800) + "…" : message));
    }
}
