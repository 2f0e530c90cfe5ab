package io.crossrole.org;

import io.crossrole.failure.AwsFailures;
import io.crossrole.failure.ProvisioningException;
import io.crossrole.guardrail.OrganizationFacts;
import io.crossrole.model.AccountId;
import io.crossrole.model.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import software.amazon.awssdk.services.organizations.model.Account;

/**
 * The organization's shape as seen during one invocation: each Organizations answer is read once and kept,
 * so expanding many grants over the same OUs costs one read per OU. Make a new view per invocation. It is also
 * what the guardrails ask of the organization ({@link OrganizationFacts}). Safe to share between threads.
 *
 * <pre>{@code
 * OrganizationView org = new OrganizationView(reader, ownAccount);
 * Expansion e = org.expand(grant.targets()); // account IDs, every ACTIVE account below an OU, or the whole org
 * }</pre>
 */
public final class OrganizationView implements OrganizationFacts {
    private final OrganizationReader reader;
    private final Supplier<AccountId> ownAccount;
    private AccountId management;
    private String organizationId;
    private String rootId;

    /**
     * @param ownAccount the account Crossrole runs in, asked only when a guardrail needs it
     */
    public OrganizationView(OrganizationReader reader, Supplier<AccountId> ownAccount) {
        this(reader, ownAccount, null);
    }

    /**
     * @param management the management account when configuration knows it (saves DescribeOrganization); {@code null}
     *                   when it does not
     */
    public OrganizationView(OrganizationReader reader, Supplier<AccountId> ownAccount, AccountId management) {
        this.reader = reader;
        this.ownAccount = ownAccount;
        this.management = management;
    }
    private List<Account> all;
    private final Map<String, List<Account>> accountsUnder = new ConcurrentHashMap<>();
    private final Map<String, List<String>> childUnits = new ConcurrentHashMap<>();
    private final Map<String, List<String>> parents = new ConcurrentHashMap<>();
    private final Map<AccountId, Optional<Account>> described = new ConcurrentHashMap<>();

    /**
     * The accounts a grant's targets cover, and the targets that could not be resolved with the reason.
     *
     * @param accounts     ACTIVE accounts; the management account only when named by ID
     * @param unresolved   target ID → why it covers nothing (an OU that does not exist, for example)
     */
    public record Expansion(Set<AccountId> accounts, Map<String, String> unresolved) {
    }

    /** @throws ProvisioningException (retryable) when Organizations fails for a passing reason */
    public Expansion expand(List<Target> targets) {
        Set<AccountId> accounts = new LinkedHashSet<>();
        Map<String, String> unresolved = new LinkedHashMap<>();
        for (Target target : targets) {
            try {
                switch (target) {
                    case Target.Account a -> accounts.add(a.account());
                    case Target.OrganizationalUnit ou -> below(ou.id(), accounts);
                    case Target.Root root -> {
                        childUnits.computeIfAbsent(root.id(), reader::childUnits); // a root of another organization fails here
                        accounts.addAll(activeMembers());
                    }
                }
            } catch (RuntimeException e) {
                if (e instanceof ProvisioningException p && p.isRetryable() || AwsFailures.isRetryable(e)) {
                    throw e instanceof ProvisioningException p ? p
                            : ProvisioningException.retryable("cannot read the organization: " + AwsFailures.message(e), e);
                }
                unresolved.put(target.id(), describeFailure(target, e));
            }
        }
        return new Expansion(accounts, unresolved);
    }

    /** An account's or OU's ancestors, nearest first: its OU, that OU's parent, …, the root. */
    @Override
    public List<String> ancestors(String childId) {
        List<String> out = new ArrayList<>();
        String current = childId;
        for (int depth = 0; depth < 10; depth++) {
            List<String> up = parents.computeIfAbsent(current, reader::parents);
            if (up.isEmpty()) {
                break;
            }
            current = up.get(0);
            out.add(current);
            if (current.startsWith("r-")) {
                break;
            }
        }
        return out;
    }

    public Optional<Account> account(AccountId account) {
        return described.computeIfAbsent(account, reader::account);
    }

    @Override
    public boolean isMember(AccountId account) {
        return account(account).isPresent();
    }

    @Override
    public AccountId ownAccount() {
        return ownAccount.get();
    }

    /** The organization's root ID (r-…), asked of Organizations once. */
    public synchronized String rootId() {
        if (rootId == null) {
            rootId = reader.rootId();
        }
        return rootId;
    }

    /** The organization's ID (o-…), asked of Organizations once. */
    public synchronized String organizationId() {
        if (organizationId == null) {
            organizationId = reader.organizationId();
        }
        return organizationId;
    }

    @Override
    public synchronized AccountId management() {
        if (management == null) {
            management = AccountId.of(reader.managementAccountId());
        }
        return management;
    }

    private void below(String parentId, Set<AccountId> into) {
        for (Account a : accountsUnder.computeIfAbsent(parentId, reader::accountsUnder)) {
            if (OrganizationReader.isActive(a) && !a.id().equals(management().value())) {
                into.add(AccountId.of(a.id()));
            }
        }
        for (String child : childUnits.computeIfAbsent(parentId, reader::childUnits)) {
            below(child, into);
        }
    }

    /** Every ACTIVE account of the organization but the management account (what a root target covers). */
    public List<AccountId> activeMembers() {
        return all().stream().filter(OrganizationReader::isActive).map(a -> AccountId.of(a.id()))
                .filter(id -> !id.equals(management())).toList();
    }

    private synchronized List<Account> all() {
        if (all == null) {
            all = reader.accounts();
        }
        return all;
    }

    private static String describeFailure(Target target, RuntimeException e) {
        String code = AwsFailures.errorCode(e).orElse("");
        if (code.contains("NotFound") || code.contains("InvalidInput")) {
            return "target " + target.id() + " is not part of this organization (" + AwsFailures.message(e) + ")";
        }
        return "cannot expand target " + target.id() + ": " + AwsFailures.message(e);
    }
}
