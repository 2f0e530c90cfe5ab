package io.crossrole.reconcile;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.failure.AwsFailures;
import io.crossrole.failure.ProvisioningException;
import io.crossrole.grant.Grant;
import io.crossrole.grant.GrantValidation;
import io.crossrole.grant.GranteeSide;
import io.crossrole.grant.PolicyHolder;
import io.crossrole.guardrail.GrantReview;
import io.crossrole.iam.GranteePolicyApplier;
import io.crossrole.iam.IamRoleApplier;
import io.crossrole.iam.IamRoleReader;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.Partition;
import io.crossrole.model.Target;
import io.crossrole.org.OrganizationReader;
import io.crossrole.org.OrganizationView;
import io.crossrole.plan.AccountPlace;
import io.crossrole.plan.TargetDecision;
import io.crossrole.plan.TargetPlanner;
import io.crossrole.policy.ResourceStatements;
import io.crossrole.reconcile.ReconcileRequest.Cause;
import io.crossrole.resource.ResourcePolicies;
import io.crossrole.role.ActualRole;
import io.crossrole.role.PlanDecision;
import io.crossrole.role.RolePlan;
import io.crossrole.role.RolePlanner;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentRecorder;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.AssignmentStore;
import io.crossrole.store.GrantRecord;
import io.crossrole.sts.AccountAccess;
import io.crossrole.sts.Backoff;
import io.crossrole.wiring.Wiring;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.organizations.model.Account;

/**
 * Makes one key right, level-triggered: the grant as the table holds it now (strongly consistent), the account's
 * place in the organization now, the key's last status; {@link TargetPlanner} decides; the role (or the grantee's
 * policy) is read and the change planned ({@link #plan}, read-only: also the dry run); then applied and the
 * outcome recorded ({@link #apply}). Same ownership rules everywhere: never a write on a role Crossrole does not own.
 *
 * <pre>{@code
 * Reconciler.Result r = reconciler.reconcile(request, grant, organization, firstAttempt);
 * if (r.retry()) { return the message for a retry }
 * }</pre>
 */
public final class Reconciler {
    private final AccountAccess access;
    private final IamRoleReader reader;
    private final IamRoleApplier applier;
    private final GranteePolicyApplier grantees;
    private final ResourcePolicies resources;
    private final AssignmentStore assignments;
    private final AssignmentRecorder recorder;
    private final GrantReview review;
    private final CrossroleConfig config;
    private final Clock clock;

    public Reconciler(AccountAccess access, IamRoleReader reader, IamRoleApplier applier, GranteePolicyApplier grantees,
                      ResourcePolicies resources, AssignmentStore assignments, AssignmentRecorder recorder, GrantReview review,
                      CrossroleConfig config, Clock clock) {
        this.access = access;
        this.reader = reader;
        this.applier = applier;
        this.grantees = grantees;
        this.resources = resources;
        this.assignments = assignments;
        this.recorder = recorder;
        this.review = review;
        this.config = config;
        this.clock = clock;
    }

    /** The reconciler of a function's wiring: what the reconcile worker, {@code crossrole grant plan} and the benchmarks build. */
    public static Reconciler create(Wiring w, AwsClientFactory clients, Backoff backoff, Clock clock) {
        return new Reconciler(w.access(), new IamRoleReader(), new IamRoleApplier(backoff), new GranteePolicyApplier(),
                new ResourcePolicies(w.access(), clients), w.store(), w.recorder(), w.review(), w.config(), clock);
    }

    /**
     * The outcome of one reconcile.
     *
     * @param retry true when a passing fault stopped it: the message must come back
     */
    public record Result(AssignmentStatus status, boolean retry, int iamWrites) {
    }

    /**
     * Plans and applies.
     *
     * @param grant the grant's record as the table holds it now; {@code null} when there is none
     */
    public Result reconcile(ReconcileRequest request, GrantRecord grant, OrganizationView org, Instant firstAttempt) {
        return apply(plan(request, grant, org), request.cause(), firstAttempt);
    }

    /**
     * Decides and reads: what reconciling the key will do, with no write.
     *
     * @param grant the grant's record as the table holds it now; {@code null} when there is none
     */
    public ReconcilePlan plan(ReconcileRequest request, GrantRecord grant, OrganizationView org) {
        ReconcileKey key = request.key();
        Optional<Assignment> prior = assignments.get(key.grantId(), key.assignmentKey());
        String priorRole = prior.flatMap(Assignment::roleName).or(request::roleName).orElse(null);
        TargetDecision decision;
        try {
            Optional<GrantValidation> reviewed = Optional.ofNullable(grant).map(g -> review.review(g.parsed(), org));
            Instant now = clock.instant();
            decision = switch (key) {
                case ReconcileKey.OwnerAccount o -> TargetPlanner.owner(o.grantId(), o.owner(), reviewed.orElse(null),
                        place(o.owner(), org, reviewed.flatMap(GrantValidation::grant).map(Grant::targets).orElse(List.of())),
                        prior.orElse(null), request.roleName().orElse(null), request.cause(), now, org.management());
                case ReconcileKey.Grantee g -> TargetPlanner.grantee(g.grantId(), g.principal(), g.side(), reviewed.orElse(null),
                        prior.orElse(null), request.cause(), now, organizationId(org), config.partition());
            };
        } catch (ProvisioningException | SdkException e) {
            boolean retryable = e instanceof ProvisioningException p ? p.isRetryable() : AwsFailures.isRetryable(e);
            return new ReconcilePlan.Unreachable(key, priorRole, "cannot read the organization: "
                    + (e instanceof ProvisioningException ? e.getMessage() : AwsFailures.message(e)), retryable, false);
        }
        return read(key, decision, priorRole);
    }

    /**
     * Applies a plan and records the outcome (the one status write of a reconcile).
     *
     * @param cause who asked: a drift repair says so in the status
     */
    public Result apply(ReconcilePlan plan, Cause cause, Instant firstAttempt) {
        ReconcileKey key = plan.key();
        try {
            return switch (plan) {
                case ReconcilePlan.Nothing n -> new Result(null, false, 0);
                case ReconcilePlan.Note n -> record(key, n.status(), n.roleName(), null, null, n.message(), false, 0);
                case ReconcilePlan.Unreachable u -> unreachable(key, u, firstAttempt);
                case ReconcilePlan.Role r -> role(r, cause);
                case ReconcilePlan.Revocation r -> revocation(r);
                case ReconcilePlan.GranteePolicy g -> grantee(g);
                case ReconcilePlan.Statements st -> statements(st);
            };
        } catch (ProvisioningException e) {
            String role = plan instanceof ReconcilePlan.Role r ? holding(r)
                    : plan instanceof ReconcilePlan.Revocation v ? v.roleName() : null;
            AssignmentStatus status = e.isRetryable() ? AssignmentStatus.PENDING : AssignmentStatus.FAILED;
            return record(key, status, role, null, null, (e.isRetryable() ? "will retry: " : "") + e.getMessage(), e.isRetryable(), 0);
        }
    }

    private Result role(ReconcilePlan.Role plan, Cause cause) {
        // the role this key may hold at each point, the one a status written on a failure must name: the old role until
        // a rename has removed it, then the grant's
        String holding = holding(plan);
        int writes = 0;
        try {
            IamClient iam = access.iam(plan.key().account());
            if (plan.renamed().isPresent() && plan.renamed().get().decision() instanceof PlanDecision.Apply remove) {
                applier.apply(iam, remove.plan());
                writes += remove.plan().operations().size();
                holding = plan.desired().roleName();
            }
            if (plan.decision() instanceof PlanDecision.Conflict c) {
                return record(plan.key(), AssignmentStatus.FAILED, plan.desired().roleName(), null, plan.desired().hash(),
                        "conflict: " + c.message(), false, writes);
            }
            if (!plan.exists()) {
                // the role it is about to create, recorded first: if this reconcile stops after CreateRole and the grant is
                // renamed or deleted before the retry, the status still names the role, and the next reconcile removes it
                record(plan.key(), AssignmentStatus.PENDING, plan.desired().roleName(), null, null, "creating role "
                        + plan.desired().roleName(), false, 0);
            }
            RolePlan rolePlan = ((PlanDecision.Apply) plan.decision()).plan();
            applier.apply(iam, rolePlan);
            writes += rolePlan.operations().size();
            String renamed = plan.renamed().map(r -> "role renamed from " + r.roleName() + "; ").orElse("");
            String repaired = cause == Cause.DRIFT && !rolePlan.isEmpty() ? "repaired by the drift check: " : "";
            String message = repaired + renamed + (rolePlan.isEmpty() ? "role matches the grant"
                    : (plan.exists() ? "updated: " : "created: ") + String.join("; ", rolePlan.brief()));
            return record(plan.key(), AssignmentStatus.PROVISIONED, plan.desired().roleName(), plan.roleArn(), plan.desired().hash(),
                    message, false, writes);
        } catch (ProvisioningException e) {
            AssignmentStatus status = e.isRetryable() ? AssignmentStatus.PENDING : AssignmentStatus.FAILED;
            return record(plan.key(), status, holding, null, null, (e.isRetryable() ? "will retry: " : "") + e.getMessage(),
                    e.isRetryable(), writes);
        }
    }

    /** Before anything is written: the role of another name a rename is to remove, else the grant's. */
    private static String holding(ReconcilePlan.Role plan) {
        return plan.renamed().filter(r -> r.decision() instanceof PlanDecision.Apply).map(ReconcilePlan.Renamed::roleName)
                .orElse(plan.desired().roleName());
    }

    private Result revocation(ReconcilePlan.Revocation plan) {
        if (plan.decision() instanceof PlanDecision.Conflict c) {
            return record(plan.key(), AssignmentStatus.REVOKED, plan.roleName(), null, null,
                    plan.reason() + "; nothing deleted: " + c.message(), false, 0);
        }
        RolePlan rolePlan = ((PlanDecision.Apply) plan.decision()).plan();
        applier.apply(access.iam(plan.key().account()), rolePlan);
        return record(plan.key(), AssignmentStatus.REVOKED, plan.roleName(), null, null, plan.reason()
                + (rolePlan.isEmpty() ? "; the role was already gone" : "; role " + plan.roleName() + " deleted"), false,
                rolePlan.operations().size());
    }

    private Result grantee(ReconcilePlan.GranteePolicy plan) {
        IamClient iam = access.iam(plan.key().account());
        Arn grantee = plan.grantee();
        if (plan.document().isEmpty()) {
            boolean wrote = plan.current().isPresent() && grantees.delete(iam, grantee, plan.policyName());
            return record(plan.key(), AssignmentStatus.REVOKED, null, null, null, plan.reason() + "; " + grantee.resourceType()
                    + (plan.denies() ? " is no longer explicitly denied the grant's roles" : " may no longer assume the grant's roles"),
                    false, wrote ? 1 : 0);
        }
        if (!plan.matches()) {
            grantees.put(iam, grantee, plan.policyName(), plan.document().get());
        }
        return record(plan.key(), AssignmentStatus.PROVISIONED, null, null, null, grantee.resourceType()
                + (plan.denies() ? " is explicitly denied the grant's roles" : " may assume the grant's roles")
                + " (inline policy " + plan.policyName() + ")", false, plan.matches() ? 0 : 1);
    }

    private Result statements(ReconcilePlan.Statements plan) {
        if (plan.refusal().isPresent()) {
            return record(plan.key(), AssignmentStatus.FAILED, null, null, null, plan.refusal().get(), false, 0, null);
        }
        AccountId account = plan.key().account();
        List<String> touched = plan.changes().stream().filter(ReconcilePlan.PolicyChange::writes)
                .map(c -> c.holder().arn(config.partition().id())).toList();
        if (!touched.isEmpty()) {
            // the policies it is about to write, recorded first: a crash between two writes leaves a status that says
            // which statements of this Sid are the grant's own, so the retry finishes instead of seeing a conflict
            List<String> intent = new ArrayList<>(touched);
            plan.holdersAfter(config.partition().id()).stream().filter(h -> !intent.contains(h)).forEach(intent::add);
            record(plan.key(), AssignmentStatus.PENDING, null, null, null, "writing statement " + plan.sid() + " in "
                    + touched.size() + " resource polic" + (touched.size() == 1 ? "y" : "ies"), false, 0, intent);
        }
        int writes = 0;
        for (ReconcilePlan.PolicyChange change : plan.changes()) {
            if (!change.writes()) {
                continue;
            }
            if (change.next().isPresent()) {
                resources.put(account, change.holder(), change.next().get());
            } else {
                resources.delete(account, change.holder());
            }
            writes++;
        }
        List<String> held = plan.holdersAfter(config.partition().id());
        String what = plan.describe().stream().collect(Collectors.joining("; "));
        return plan.removal()
                ? record(plan.key(), AssignmentStatus.REVOKED, null, null, null, plan.reason() + "; " + what, false, writes, held)
                : record(plan.key(), AssignmentStatus.PROVISIONED, null, null, null, what, false, writes, held);
    }

    /**
     * An account that denies the member role: while the new-account window lasts ({@code NEW_ACCOUNT_READY_SECONDS}
     * from the first attempt), PENDING and retried; after it, FAILED naming the role the account needs.
     */
    private Result unreachable(ReconcileKey key, ReconcilePlan.Unreachable u, Instant firstAttempt) {
        boolean windowOver = u.denied() && Duration.between(firstAttempt, clock.instant()).compareTo(config.newAccountReady()) >= 0;
        if (u.retryable() && !windowOver) {
            return record(key, AssignmentStatus.PENDING, u.roleName(), null, null, "will retry: " + u.reason(), true, 0);
        }
        String message = windowOver
                ? "cannot reach account " + key.account() + " since " + firstAttempt + ": create the role " + config.memberRoleName()
                        + " there, trusting this organization's management account" + config.hubRoleArn().map(h -> " (or the hub role " + h + ")").orElse("")
                        + ", then reconcile again (update the grant, or move the account). Cause: " + u.reason()
                : u.reason();
        return record(key, AssignmentStatus.FAILED, u.roleName(), null, null, message, false, 0);
    }

    private Result record(ReconcileKey key, AssignmentStatus status, String roleName, String roleArn, String hash, String message,
                          boolean retry, int writes) {
        return record(key, status, roleName, roleArn, hash, message, retry, writes, null);
    }

    private Result record(ReconcileKey key, AssignmentStatus status, String roleName, String roleArn, String hash, String message,
                          boolean retry, int writes, List<String> held) {
        recorder.record(new AssignmentRecorder.Status(key.grantId(), key.assignmentKey(), status, roleName, roleArn, hash, message, held));
        return new Result(status, retry, writes);
    }

    // ------------------------------------------------------------------ the reads

    /** Reads what the decision concerns (the role, the grantee's policy): no write. */
    private ReconcilePlan read(ReconcileKey key, TargetDecision decision, String priorRole) {
        try {
            return switch (decision) {
                case TargetDecision.Nothing n -> new ReconcilePlan.Nothing(key, n.reason());
                case TargetDecision.Note n -> new ReconcilePlan.Note(key, n.status(), n.roleName(), n.message());
                case TargetDecision.Provision p -> {
                    IamClient iam = access.iam(key.account());
                    Optional<ReconcilePlan.Renamed> renamed = p.renamedFrom().map(old -> new ReconcilePlan.Renamed(old,
                            revoke(iam, old, key.grantId())))
                            .filter(r -> !(r.decision() instanceof PlanDecision.Apply a && a.plan().isEmpty())); // not there
                    Optional<ActualRole> actual = readRole(iam, p.desired().roleName(), false);
                    if (actual.isPresent() && !actual.get().path().equals(p.desired().path())) {
                        actual = readRole(iam, p.desired().roleName(), true);
                    }
                    PlanDecision roleDecision = actual.map(a -> RolePlanner.reconcile(a, p.desired()))
                            .orElseGet(() -> RolePlanner.create(p.desired()));
                    yield new ReconcilePlan.Role(key, p.grant(), p.desired(), p.desired().arn(config.partition(), key.account()),
                            renamed, roleDecision, actual.isPresent());
                }
                case TargetDecision.Revoke r -> new ReconcilePlan.Revocation(key, r.roleName(), r.reason(),
                        revoke(access.iam(key.account()), r.roleName(), key.grantId()));
                case TargetDecision.PutGranteePolicy p -> granteePlan(key, p.grantee(), p.document(), "a grantee of the grant");
                case TargetDecision.RemoveGranteePolicy r -> granteePlan(key, r.grantee(), null, r.reason());
                case TargetDecision.PutStatements p -> putStatements(key, p);
                case TargetDecision.RemoveStatements r -> removeStatements(key, r);
            };
        } catch (ProvisioningException e) {
            return new ReconcilePlan.Unreachable(key, priorRole, e.getMessage(), e.isRetryable(),
                    AwsFailures.errorCode(e).filter("AccessDenied"::equals).isPresent());
        }
    }

    /** Reads each policy the grant's statement belongs in, and plans it there; refuses the whole key on any problem. */
    private ReconcilePlan putStatements(ReconcileKey key, TargetDecision.PutStatements p) {
        AccountId account = key.account();
        String partition = config.partition().id();
        List<ReconcilePlan.PolicyChange> changes = new ArrayList<>();
        for (Map.Entry<PolicyHolder, List<String>> entry : p.holders().entrySet()) {
            PolicyHolder holder = entry.getKey();
            String arn = holder.arn(partition);
            Optional<String> region = holder instanceof PolicyHolder.Queue q ? Optional.of(q.region())
                    : holder instanceof PolicyHolder.Topic t ? Optional.of(t.region()) : Optional.empty();
            if (region.isPresent() && !region.get().equals(config.region())) {
                return refused(key, p, arn + " is in " + region.get() + "; Crossrole manages resource policies in its own Region, "
                        + config.region() + ": nothing was written");
            }
            ResourcePolicies.Read read = resources.read(account, holder);
            if (read instanceof ResourcePolicies.Read.Missing m) {
                return refused(key, p, "resourceArns: " + m.why() + ": nothing was written");
            }
            Optional<String> current = ((ResourcePolicies.Read.Policy) read).document();
            ObjectNode desired = ResourceStatements.statement(p.grant(), entry.getValue());
            Optional<ObjectNode> found = current.flatMap(c -> ResourceStatements.find(c, p.grant().sid()));
            if (found.isPresent() && ResourceStatements.same(found.get(), desired)) {
                changes.add(new ReconcilePlan.PolicyChange(holder, arn, current, current));
                continue;
            }
            if (found.isPresent() && !ownsStatementsHere(key)) {
                return refused(key, p, "conflict: the policy of " + arn + " has a statement " + p.grant().sid()
                        + " that this grant did not write (another grant whose ID reduces to the same Sid, or a person): untouched");
            }
            String next = current.map(c -> ResourceStatements.with(c, desired))
                    .orElseGet(() -> ResourceStatements.policyOf(desired));
            int bytes = ResourceStatements.bytes(next);
            if (bytes > holder.maxPolicyBytes()) {
                return refused(key, p, "the policy of " + arn + " would be " + bytes + " bytes with the grant's statement; "
                        + holder.service().toUpperCase(Locale.ROOT) + " allows " + holder.maxPolicyBytes() + ": nothing was written");
            }
            changes.add(new ReconcilePlan.PolicyChange(holder, arn, current, Optional.of(next)));
        }
        for (PolicyHolder holder : p.dropped()) {
            removal(key.account(), holder, p.grant().sid()).ifPresent(changes::add);
        }
        return new ReconcilePlan.Statements(key, p.grant().sid(), changes, Optional.empty(), false, "a resource of the grant");
    }

    private ReconcilePlan removeStatements(ReconcileKey key, TargetDecision.RemoveStatements r) {
        List<ReconcilePlan.PolicyChange> changes = new ArrayList<>();
        for (PolicyHolder holder : r.holders()) {
            removal(key.account(), holder, r.sid()).ifPresent(changes::add);
        }
        return new ReconcilePlan.Statements(key, r.sid(), changes, Optional.empty(), true, r.reason());
    }

    /** The grant's statement taken out of one policy (the policy deleted when nothing else is left; SNS keeps its default). */
    private Optional<ReconcilePlan.PolicyChange> removal(AccountId account, PolicyHolder holder, String sid) {
        if (!(resources.read(account, holder) instanceof ResourcePolicies.Read.Policy policy)
                || policy.document().flatMap(d -> ResourceStatements.find(d, sid)).isEmpty()) {
            return Optional.empty();
        }
        Optional<String> next = ResourceStatements.without(policy.document().orElseThrow(), sid);
        if (next.isEmpty() && holder instanceof PolicyHolder.Topic topic) {
            next = Optional.of(topic.defaultPolicy(config.partition().id()));
        }
        return Optional.of(new ReconcilePlan.PolicyChange(holder, holder.arn(config.partition().id()), policy.document(), next));
    }

    /** True when this key's last status says the grant put its statements here (so a statement of its Sid is its own). */
    private boolean ownsStatementsHere(ReconcileKey key) {
        return assignments.get(key.grantId(), key.assignmentKey()).filter(Assignment::isLive).filter(a -> !a.resources().isEmpty()).isPresent();
    }

    private static ReconcilePlan refused(ReconcileKey key, TargetDecision.PutStatements p, String why) {
        return new ReconcilePlan.Statements(key, p.grant().sid(), List.of(), Optional.of(why), false, why);
    }

    /** @param document the grantee's policy; {@code null} to take it off */
    private ReconcilePlan granteePlan(ReconcileKey key, Arn grantee, String document, String reason) {
        GranteeSide side = key instanceof ReconcileKey.Grantee g ? g.side() : GranteeSide.ALLOW;
        String name = GranteePolicyApplier.policyName(key.grantId(), side);
        return new ReconcilePlan.GranteePolicy(key, grantee, name, Optional.ofNullable(document),
                grantees.read(access.iam(key.account()), grantee, name), reason);
    }

    /** Reads the role and plans its removal: nothing to do when it is not there. */
    private PlanDecision revoke(IamClient iam, String roleName, String grantId) {
        return readRole(iam, roleName, true).map(actual -> RolePlanner.revoke(actual, roleName, grantId))
                .orElseGet(() -> RolePlanner.nothingToRevoke(roleName));
    }

    /** A failure to read becomes a recorded, classified {@link ProvisioningException}. */
    private Optional<ActualRole> readRole(IamClient iam, String roleName, boolean withInstanceProfiles) {
        try {
            return reader.read(iam, roleName, withInstanceProfiles);
        } catch (SdkException e) {
            throw new ProvisioningException("cannot read role " + roleName + ": " + AwsFailures.message(e), AwsFailures.isRetryable(e), e);
        }
    }

    /**
     * The account's place in the organization now (cached for the invocation by the view). Its chain of OUs is read
     * only when the grant targets an OU (one ListParents per level); for a root or account target the root is enough,
     * so a message costs one DescribeAccount.
     *
     * @param targets the grant's targets; empty when there is no grant
     */
    public AccountPlace place(AccountId account, OrganizationView org, List<Target> targets) {
        Optional<Account> described = org.account(account);
        if (described.isEmpty()) {
            return new AccountPlace(account, AccountPlace.Membership.ABSENT, List.of(), Optional.empty());
        }
        if (!OrganizationReader.isActive(described.get())) {
            return new AccountPlace(account, AccountPlace.Membership.INACTIVE, List.of(), Optional.empty());
        }
        List<String> ancestors = targets.stream().anyMatch(Target.OrganizationalUnit.class::isInstance) ? org.ancestors(account.value())
                : targets.stream().anyMatch(Target.Root.class::isInstance) ? List.of(org.rootId()) : List.of();
        return new AccountPlace(account, AccountPlace.Membership.ACTIVE, ancestors, review.guardrails().protection(account, org));
    }

    private String organizationId(OrganizationView org) {
        return config.organizationId().orElseGet(org::organizationId);
    }

    /** The partition roles are made in. */
    public Partition partition() {
        return config.partition();
    }
}
