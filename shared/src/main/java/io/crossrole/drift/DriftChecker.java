package io.crossrole.drift;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crossrole.config.CrossroleConfig.DriftMode;
import io.crossrole.failure.AwsFailures;
import io.crossrole.failure.ProvisioningException;
import io.crossrole.grant.Grant;
import io.crossrole.grant.GrantValidation;
import io.crossrole.grant.PolicyHolder;
import io.crossrole.grant.ResourceGrant;
import io.crossrole.guardrail.GrantReview;
import io.crossrole.iam.IamRoleReader;
import io.crossrole.model.AccountId;
import io.crossrole.model.Partition;
import io.crossrole.org.OrganizationView;
import io.crossrole.plan.Coverage;
import io.crossrole.policy.ResourceStatements;
import io.crossrole.reconcile.ReconcileKey;
import io.crossrole.reconcile.ReconcileQueue;
import io.crossrole.reconcile.ReconcileRequest;
import io.crossrole.reconcile.ReconcileRequest.Cause;
import io.crossrole.resource.ResourcePolicies;
import io.crossrole.role.ActualRole;
import io.crossrole.role.DesiredRole;
import io.crossrole.role.Ownership;
import io.crossrole.role.RoleDrift;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentKey;
import io.crossrole.store.AssignmentRecorder;
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
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * Checks one account: one AssumeRole, one bulk read of every role (GetAccountAuthorizationDetails and ListRoles,
 * paginated), then each managed role against its grant with the same diff provisioning uses. It never writes IAM: in
 * {@link DriftMode#REPORT} it records what it found; in {@link DriftMode#REMEDIATE} it also queues a reconcile request
 * for each difference, which the worker repairs as it would any change. Statuses are written only if the worker did
 * not record a newer one meanwhile. Never touches a role Crossrole does not own; orphans (Crossrole's tags, no grant;
 * or an assignment whose grant record is gone) are reported, and so is a grant the guardrails now refuse.
 *
 * <pre>{@code
 * AccountCheck result = checker.check(AccountId.of("111111111111"), DriftMode.REPORT, organizationView, runId);
 * }</pre>
 */
public final class DriftChecker {
    private static final Logger LOG = LoggerFactory.getLogger(DriftChecker.class);
    /** How the status of an assignment in an account the check could not reach begins. */
    static final String UNREACHABLE = "drift check cannot reach account ";

    private final AccountAccess access;
    private final IamRoleReader reader;
    private final ResourcePolicies resources;
    private final AssignmentStore assignments;
    private final AssignmentRecorder recorder;
    private final GrantStore grants;
    private final GrantReview review;
    private final ReconcileQueue queue;
    private final Partition partition;
    private final Clock clock;

    public DriftChecker(AccountAccess access, IamRoleReader reader, ResourcePolicies resources, AssignmentStore assignments,
                        AssignmentRecorder recorder, GrantStore grants, GrantReview review, ReconcileQueue queue, Partition partition,
                        Clock clock) {
        this.access = access;
        this.reader = reader;
        this.resources = resources;
        this.assignments = assignments;
        this.recorder = recorder;
        this.grants = grants;
        this.review = review;
        this.queue = queue;
        this.partition = partition;
        this.clock = clock;
    }

    /**
     * @param org   the organization as this run sees it (the guardrails' checks of each grant need it)
     * @param runId the run's identity: repairs it queues collapse only with its own duplicates
     */
    public AccountCheck check(AccountId account, DriftMode mode, OrganizationView org, String runId) {
        List<Assignment> here = assignments.forAccount(account.value()).stream().filter(Assignment::isLive).toList();
        Map<String, GrantValidation> byId = new HashMap<>();
        grants.current(here.stream().map(Assignment::grantId).distinct().toList())
                .forEach((id, record) -> byId.put(id, review.review(record.parsed(), org)));
        Map<String, ActualRole> roles;
        try {
            IamClient iam = access.iam(account);
            roles = reader.readAccount(iam);
        } catch (ProvisioningException | SdkException e) {
            String reason = UNREACHABLE + account + ": "
                    + (e instanceof ProvisioningException ? e.getMessage() : AwsFailures.message(e));
            here.stream().filter(Assignment::hasRole)
                    .forEach(a -> note(a, AssignmentStatus.FAILED, a.roleName().orElse(null), null, reason));
            LOG.warn("accountId={} {}", account, reason);
            return new AccountCheck(account.value(), 0, 0, 0, 0, true, List.of(reason));
        }
        return compare(account, mode, here, byId, roles, org, runId);
    }

    private AccountCheck compare(AccountId account, DriftMode mode, List<Assignment> here, Map<String, GrantValidation> byId,
                                 Map<String, ActualRole> roles, OrganizationView org, String runId) {
        int inSync = 0;
        int drifted = 0;
        int queued = 0;
        int orphans = 0;
        List<String> findings = new ArrayList<>();
        List<ReconcileRequest> repairs = new ArrayList<>();
        Set<String> expected = new HashSet<>();
        for (Assignment a : here) {
            a.roleName().ifPresent(role -> expected.add(a.grantId() + "/" + role));
            // FAILED only because an earlier check could not reach the account: checked again, its status comes back
            boolean unreachableBefore = a.status() == AssignmentStatus.FAILED && a.message().startsWith(UNREACHABLE);
            boolean checkable = a.hasRole() || a.status() == AssignmentStatus.DRIFTED || unreachableBefore;
            if (!checkable || !(a.key() instanceof AssignmentKey.Owner)) {
                continue;
            }
            ReconcileRequest repair = new ReconcileRequest(new ReconcileKey.OwnerAccount(a.grantId(), account), Cause.DRIFT, runId,
                    a.roleName());
            GrantValidation validation = byId.get(a.grantId());
            if (validation == null) {
                orphans++;
                String message = "orphan assignment: grant '" + a.grantId() + "' is not in the Grants table, but its role "
                        + a.roleName().orElse("?") + " was provisioned here and Crossrole never revoked it (a deletion the"
                        + " functions did not see); " + (mode == DriftMode.REMEDIATE ? "its revocation is queued"
                        : "reported, not deleted: restore the grant or delete the role");
                findings.add(account + " " + message);
                note(a, AssignmentStatus.DRIFTED, a.roleName().orElse(null), a.roleArn().orElse(null), message);
                if (mode == DriftMode.REMEDIATE) {
                    repairs.add(repair);
                }
                continue;
            }
            if (!validation.isValid()) {
                String message = "grant refused, not checked or repaired (the role is left as it is, never deleted): "
                        + validation.summary();
                findings.add(account + " " + a.roleName().orElse("?") + " (grant " + a.grantId() + "): " + message);
                note(a, AssignmentStatus.FAILED, a.roleName().orElse(null), a.roleArn().orElse(null), message);
                continue;
            }
            if (validation.resourceGrant().isPresent()) {
                ResourceGrant rg = validation.resourceGrant().get();
                if (rg.isExpired(clock.instant()) || !rg.targets().contains(account)) {
                    continue;
                }
                List<String> differences = statementDrift(account, rg);
                if (differences.isEmpty()) {
                    inSync++;
                    if (a.status() != AssignmentStatus.PROVISIONED) {
                        note(a, AssignmentStatus.PROVISIONED, null, null, "in sync with the grant (drift check " + clock.instant() + ")");
                    }
                    continue;
                }
                String described = String.join("; ", differences);
                findings.add(account + " statement " + rg.sid() + " (grant " + rg.grantId() + "): " + described);
                drifted++;
                if (mode == DriftMode.REMEDIATE) {
                    repairs.add(repair);
                    queued++;
                }
                note(a, AssignmentStatus.DRIFTED, null, null, "drift: " + described + (mode == DriftMode.REMEDIATE ? "; repair queued" : ""));
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
                note(a, AssignmentStatus.FAILED, grant.roleName(), a.roleArn().orElse(null), message);
                continue;
            }
            DesiredRole desired = DesiredRole.of(grant, account);
            Optional<String> pending = pendingChange(grant, a, desired, account, org);
            if (pending.isPresent()) {
                // the grant changed and the worker has not applied it here yet: reported (queued in remediate mode),
                // never compared with the new role, and the status keeps naming the role that is here
                findings.add(account + " " + a.roleName().orElse("?") + " (grant " + grant.grantId() + "): " + pending.get());
                drifted++;
                if (mode == DriftMode.REMEDIATE) {
                    repairs.add(repair);
                    queued++;
                }
                note(a, AssignmentStatus.DRIFTED, a.roleName().orElse(null), a.roleArn().orElse(null), "drift: " + pending.get()
                        + (mode == DriftMode.REMEDIATE ? "; repair queued" : "; the worker applies it when it gets the change"));
                continue;
            }
            expected.add(grant.grantId() + "/" + desired.roleName());
            Optional<ActualRole> actual = Optional.ofNullable(roles.get(desired.roleName()));
            List<String> differences = actual.map(r -> RoleDrift.describe(r, desired))
                    .orElse(List.of("role " + desired.roleName() + (a.roleArn().isEmpty() ? " was never created in this account"
                            : " was deleted outside Crossrole")));
            String roleArn = desired.arn(partition, account);
            actual.flatMap(ActualRole::lastUsed).filter(use -> !a.lastUsed().equals(Optional.of(use)))
                    .ifPresent(use -> recorder.lastUsed(a.grantId(), a.key(), use));
            if (differences.isEmpty()) {
                inSync++;
                if (a.status() != AssignmentStatus.PROVISIONED) {
                    note(a, AssignmentStatus.PROVISIONED, desired.roleName(), roleArn, "in sync with the grant (drift check " + clock.instant() + ")");
                }
                continue;
            }
            String described = String.join("; ", differences);
            findings.add(account + " " + desired.roleName() + " (grant " + grant.grantId() + "): " + described);
            drifted++;
            if (mode == DriftMode.REMEDIATE) {
                repairs.add(repair);
                queued++;
                note(a, AssignmentStatus.DRIFTED, desired.roleName(), roleArn, "drift: " + described + "; repair queued");
            } else {
                note(a, AssignmentStatus.DRIFTED, desired.roleName(), roleArn, "drift: " + described);
            }
        }
        for (ActualRole role : roles.values()) {
            Optional<String> owner = Ownership.owner(role.tags());
            if (owner.isPresent() && !expected.contains(owner.get() + "/" + role.roleName())) {
                orphans++;
                String message = "orphan: role " + role.arn() + " carries Crossrole's tags for grant '" + owner.get()
                        + "', which does not apply to this account; reported, not deleted";
                findings.add(message);
                recorder.recordIf(new AssignmentRecorder.Status(owner.get(), new AssignmentKey.Owner(account), AssignmentStatus.DRIFTED,
                        role.roleName(), role.arn(), null, message), 0);
            }
        }
        queue.send(repairs);
        LOG.info("accountId={} mode={} inSync={} drifted={} repairsQueued={} orphans={}", account, mode, inSync, drifted, queued, orphans);
        return new AccountCheck(account.value(), inSync, drifted, queued, orphans, false, findings);
    }

    /**
     * A change of the grant the worker has not applied in this account yet: the account is no longer covered (its role
     * is to be revoked), or the role is renamed (the status still names the old one).
     */
    private static Optional<String> pendingChange(Grant grant, Assignment a, DesiredRole desired, AccountId account,
                                                  OrganizationView org) {
        if (!a.hasRole()) {
            return Optional.empty();
        }
        if (!Coverage.covers(grant, account, org.ancestors(account.value()), org.management())) {
            return Optional.of("the grant no longer covers this account; its role " + a.roleName().orElse("?")
                    + " is to be revoked");
        }
        return a.roleName().filter(old -> !old.equals(desired.roleName()))
                .map(old -> "the grant renames role " + old + " to " + desired.roleName() + "; the rename is not applied yet");
    }

    /**
     * How the grant's statement in each policy of its resources here differs from the grant: removed, changed, or the
     * resource gone. Only the statement of the grant's Sid is looked at; every other statement is someone else's.
     */
    private List<String> statementDrift(AccountId account, ResourceGrant grant) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<PolicyHolder, List<String>> entry : grant.holdersIn(account).entrySet()) {
            String arn = entry.getKey().arn(partition.id());
            if (!(resources.read(account, entry.getKey()) instanceof ResourcePolicies.Read.Policy policy)) {
                out.add("resource " + arn + " was deleted");
                continue;
            }
            Optional<ObjectNode> found = policy.document().flatMap(d -> ResourceStatements.find(d, grant.sid()));
            if (found.isEmpty()) {
                out.add("statement " + grant.sid() + " was removed from the policy of " + arn);
            } else if (!ResourceStatements.same(found.get(), ResourceStatements.statement(grant, entry.getValue()))) {
                out.add("statement " + grant.sid() + " in the policy of " + arn + " differs from the grant");
            }
        }
        return out;
    }

    /**
     * A status found by the check, written only if it says something new and nothing newer was recorded since the
     * assignment was read: an organization where nothing changed gets no write.
     */
    private void note(Assignment read, AssignmentStatus status, String roleName, String roleArn, String message) {
        recorder.recordIfChanged(new AssignmentRecorder.Status(read.grantId(), read.key(), status, roleName, roleArn, null, message),
                read);
    }
}
