package io.crossrole.provision;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.events.AccountEvent;
import io.crossrole.events.AccountEvent.Departed;
import io.crossrole.events.AccountEvent.Ignored;
import io.crossrole.events.AccountEvent.JoinKind;
import io.crossrole.events.AccountEvent.Joined;
import io.crossrole.events.AccountEvent.Moved;
import io.crossrole.failure.ProvisioningException;
import io.crossrole.grant.Grant;
import io.crossrole.grant.GrantValidation;
import io.crossrole.guardrail.GrantReview;
import io.crossrole.lambda.InvocationMetrics;
import io.crossrole.model.AccountId;
import io.crossrole.model.Target;
import io.crossrole.org.OrganizationReader;
import io.crossrole.org.OrganizationView;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.AssignmentStore;
import io.crossrole.store.GrantStore;
import io.crossrole.store.TargetIndex;
import io.crossrole.sts.AccountAccess;
import io.crossrole.sts.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.organizations.model.Account;

/**
 * Keeps roles in step with the organization's membership: an account that joins gets every grant whose
 * targets cover it (its ID, an ancestor OU, the root); an account that moves gets the grants that now cover
 * it and loses those that no longer do; an account that leaves has its assignments marked REVOKED without
 * being reached.
 *
 * <p>A just-created account's member role may be denied for minutes: the account is waited for (jittered
 * backoff, {@code NEW_ACCOUNT_READY_SECONDS}) with its assignments PENDING; after that the invocation fails
 * so that Lambda's asynchronous retries take over. An invited account that denies the member role is
 * recorded FAILED naming the role it needs.
 *
 * <pre>{@code
 * Map<String, Object> summary = processor.handle(AccountEventParser.parse(source, detail));
 * }</pre>
 */
public final class AccountEventsProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(AccountEventsProcessor.class);

    private final GrantReview review;
    private final GrantProvisioner provisioner;
    private final AccountAccess access;
    private final AssignmentStore assignments;
    private final GrantStore grants;
    private final TargetIndex index;
    private final Supplier<OrganizationView> organization;
    private final CrossroleConfig config;
    private final Clock clock;

    public AccountEventsProcessor(GrantReview review, GrantProvisioner provisioner, AccountAccess access,
                                  AssignmentStore assignments, GrantStore grants, TargetIndex index,
                                  Supplier<OrganizationView> organization, CrossroleConfig config, Clock clock) {
        this.review = review;
        this.provisioner = provisioner;
        this.access = access;
        this.assignments = assignments;
        this.grants = grants;
        this.index = index;
        this.organization = organization;
        this.config = config;
        this.clock = clock;
    }

    /** Wires the processor from configuration: what the Lambda handler's constructor calls. */
    public static AccountEventsProcessor create(CrossroleConfig config, AwsClientFactory clients, String sessionName,
                                                Backoff backoff, Clock clock) {
        Wiring w = Wiring.of(config, clients, sessionName, backoff, clock);
        return new AccountEventsProcessor(w.review(), w.provisioner(), w.access(), w.store(), w.grants(),
                new TargetIndex(w.dynamo(), config.grantTargetsTable()), w::organization, config, clock);
    }

    public InvocationMetrics metrics() {
        return provisioner.metrics();
    }

    /**
     * @return a summary for the function's response
     * @throws ProvisioningException (retryable) when a passing fault stopped the work: the event must be retried
     */
    public Map<String, Object> handle(AccountEvent event) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("event", event.name());
        switch (event) {
            case Ignored ignored -> {
                provisioner.metrics().increment("AccountEventsIgnored");
                LOG.warn("ignoring {} event: {}", ignored.name(), ignored.why());
                summary.put("ignored", ignored.why());
            }
            case Joined joined -> joined(joined, summary);
            case Moved moved -> moved(moved, summary);
            case Departed departed -> departed(departed, summary, organization.get());
        }
        return summary;
    }

    private void joined(Joined event, Map<String, Object> summary) {
        AccountId account = event.account();
        summary.put("accountId", account.value());
        OrganizationView org = organization.get();
        Optional<String> inactive = inactive(org, account);
        if (inactive.isPresent()) {
            summary.put("ignored", inactive.get());
            LOG.warn("accountId={} {}: {}", account, event.name(), inactive.get());
            return;
        }
        List<Grant> covering = covering(org, account, summary);
        summary.put("covering", covering.stream().map(Grant::grantId).toList());
        if (covering.isEmpty()) {
            LOG.info("accountId={} {}: no grant covers this account", account, event.name());
            return;
        }
        Duration window = event.kind() == JoinKind.CREATED ? config.newAccountReady() : config.assumeRoleRetry();
        try {
            access.awaitReady(account, window, reason -> covering.forEach(g ->
                    provisioner.note(g.grantId(), account.value(), AssignmentStatus.PENDING, g.roleName(), reason)));
        } catch (ProvisioningException e) {
            if (event.kind() == JoinKind.INVITED) {
                String message = "account " + account + " joined by invitation and Crossrole cannot assume "
                        + access.memberRoleArn(account) + " there: create the role " + config.memberRoleName()
                        + " in that account, trusting this organization's management account"
                        + config.hubRoleArn().map(hub -> " (or the hub role " + hub + ")").orElse("")
                        + ", then move the account or update the grant to provision it. Cause: " + e.getMessage();
                covering.forEach(g -> provisioner.note(g.grantId(), account.value(), AssignmentStatus.FAILED, g.roleName(),
                        message));
                summary.put("failed", message);
                return;
            }
            covering.forEach(g -> provisioner.note(g.grantId(), account.value(), AssignmentStatus.PENDING, g.roleName(),
                    "will retry: " + e.getMessage()));
            throw e;
        }
        boolean retry = provision(covering, account, summary, org);
        retry |= revokeUncovered(account, covering, refusedIds(summary), "the grant no longer covers the account (" + event.name() + ")", summary);
        if (retry) {
            throw ProvisioningException.retryable("some grants could not be brought to account " + account + " yet", null);
        }
    }

    /**
     * Revokes, in the account, the grants applied there that no longer cover it (Control Tower's
     * UpdateManagedAccount may follow an OU change). True when one was stopped by a passing fault.
     */
    private boolean revokeUncovered(AccountId account, List<Grant> covering, Set<String> refused, String reason,
                                    Map<String, Object> summary) {
        Set<String> coveringIds = new LinkedHashSet<>(covering.stream().map(Grant::grantId).toList());
        List<String> revoked = new ArrayList<>();
        boolean retry = false;
        for (Assignment a : assignments.forAccount(account.value())) {
            if (a.status() != AssignmentStatus.REVOKED && !coveringIds.contains(a.grantId()) && !refused.contains(a.grantId())
                    && a.roleName().isPresent()) {
                retry |= provisioner.revoke(a.grantId(), a.roleName().get(), account, reason).retry();
                revoked.add(a.grantId());
            }
        }
        summary.put("revoked", revoked);
        refreshGrantees(revoked, organization.get());
        return retry;
    }

    private void moved(Moved event, Map<String, Object> summary) {
        AccountId account = event.account();
        summary.put("accountId", account.value());
        summary.put("from", event.sourceParentId());
        summary.put("to", event.destinationParentId());
        OrganizationView org = organization.get();
        Optional<String> inactive = inactive(org, account);
        if (inactive.isPresent()) {
            summary.put("ignored", inactive.get());
            return;
        }
        List<Grant> covering = covering(org, account, summary);
        Set<String> applied = new LinkedHashSet<>(assignments.forAccount(account.value()).stream()
                .filter(a -> a.status() != AssignmentStatus.REVOKED).map(Assignment::grantId).toList());
        boolean retry = revokeUncovered(account, covering, refusedIds(summary), "account moved from " + event.sourceParentId()
                + " to " + event.destinationParentId() + " and the grant no longer covers it", summary);
        retry |= provision(covering.stream().filter(g -> !applied.contains(g.grantId())).toList(), account, summary, org);
        if (retry) {
            throw ProvisioningException.retryable("some grants could not be brought to account " + account + " yet", null);
        }
    }

    /**
     * Marks the account's assignments REVOKED, once Organizations confirms the account is gone (not in the
     * organization, or no longer ACTIVE): an event that claims a departure never revokes anything by itself.
     */
    private void departed(Departed event, Map<String, Object> summary, OrganizationView org) {
        AccountId account = event.account();
        summary.put("accountId", account.value());
        Optional<Account> described = org.account(account);
        if (described.isPresent() && OrganizationReader.isActive(described.get())) {
            String why = "Organizations still lists account " + account + " as ACTIVE in this organization: the departure is"
                    + " not confirmed, nothing was changed";
            LOG.warn("accountId={} {}: {}", account, event.name(), why);
            summary.put("ignored", why);
            return;
        }
        List<String> revoked = new ArrayList<>();
        for (Assignment a : assignments.forAccount(account.value())) {
            if (a.status() == AssignmentStatus.REVOKED) {
                continue;
            }
            provisioner.note(a.grantId(), account.value(), AssignmentStatus.REVOKED, a.roleName().orElse(null),
                    event.reason() + "; Crossrole no longer reaches the account, so its roles were left as they were");
            revoked.add(a.grantId());
        }
        summary.put("revoked", revoked);
        refreshGrantees(revoked, org);
    }

    /** Applies each grant in the account; true when one was stopped by a passing fault. */
    private boolean provision(List<Grant> toApply, AccountId account, Map<String, Object> summary, OrganizationView org) {
        List<String> provisioned = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        boolean retry = false;
        for (Grant grant : toApply) {
            AccountResult result = provisioner.apply(grant, account);
            retry |= result.retry();
            (result.status() == AssignmentStatus.PROVISIONED ? provisioned : failed).add(grant.grantId());
        }
        summary.put("provisioned", provisioned);
        if (!failed.isEmpty()) {
            summary.put("notProvisioned", failed);
        }
        refreshGrantees(toApply.stream().filter(g -> !g.granteeAttach().isEmpty()).map(Grant::grantId).toList(), org);
        return retry;
    }

    /** The grantees' identity policies list exactly the roles provisioned now, across all the grant's accounts. */
    private void refreshGrantees(List<String> grantIds, OrganizationView org) {
        if (grantIds.isEmpty()) {
            return;
        }
        for (Map<String, Object> raw : grants.get(grantIds)) {
            GrantValidation v = review.review(raw, org);
            if (v.grant().isEmpty() || v.grant().get().granteeAttach().isEmpty()) {
                continue;
            }
            Grant grant = v.grant().get();
            List<String> roleArns = assignments.forGrant(grant.grantId()).stream()
                    .filter(a -> a.isAccount() && a.status() == AssignmentStatus.PROVISIONED)
                    .flatMap(a -> a.roleArn().stream()).toList();
            grant.granteeAttach().forEach(grantee -> provisioner.attachGrantee(grant.grantId(), grantee, roleArns));
        }
    }

    /**
     * The accepted, unexpired grants whose targets cover the account now. A grant the guardrails refuse is recorded
     * FAILED on the account with the reason (and named under "refused" in the summary); nothing is written for it.
     */
    private List<Grant> covering(OrganizationView org, AccountId account, Map<String, Object> summary) {
        List<String> reach = new ArrayList<>();
        reach.add(account.value());
        reach.addAll(org.ancestors(account.value()));
        boolean management = account.equals(org.management());
        Set<String> candidates = index.grantsFor(reach);
        List<Grant> out = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        Optional<String> protection = review.guardrails().protection(account, org);
        for (Map<String, Object> raw : grants.get(candidates)) {
            GrantValidation v = review.review(raw, org);
            String grantId = v.grantId().orElse("?");
            boolean named = v.accountTargets().contains(account);
            if (v.grant().isEmpty()) {
                LOG.warn("accountId={} grantId={} skipped: the grant is refused: {}", account, grantId, v.summary());
                if (named || v.accountTargets().isEmpty()) {
                    refused.add(grantId);
                    provisioner.note(grantId, account.value(), AssignmentStatus.FAILED, v.roleName().orElse(null),
                            "grant refused, nothing was written to IAM: " + v.summary());
                }
                continue;
            }
            Grant grant = v.grant().get();
            boolean byAncestor = !management && grant.targets().stream().anyMatch(t -> !(t instanceof Target.Account) && reach.contains(t.id()));
            if (!(named || byAncestor) || grant.isExpired(clock.instant())) {
                continue;
            }
            if (protection.isPresent()) {
                refused.add(grantId);
                LOG.info("accountId={} grantId={} not provisioned: guardrail protectedTargets: {}", account, grantId, protection.get());
                continue;
            }
            out.add(grant);
        }
        summary.put("refused", refused);
        return out;
    }

    private static Set<String> refusedIds(Map<String, Object> summary) {
        return summary.get("refused") instanceof List<?> l
                ? new LinkedHashSet<>(l.stream().map(String::valueOf).toList()) : Set.of();
    }

    private static Optional<String> inactive(OrganizationView org, AccountId account) {
        Optional<Account> described = org.account(account);
        if (described.isEmpty()) {
            return Optional.of("account " + account + " is not in this organization");
        }
        if (!OrganizationReader.isActive(described.get())) {
            return Optional.of("account " + account + " is " + described.get().statusAsString() + ", not ACTIVE: nothing to provision");
        }
        return Optional.empty();
    }
}
