package io.crossrole.org;

import io.crossrole.model.AccountId;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.Account;
import software.amazon.awssdk.services.organizations.model.AccountNotFoundException;

/**
 * The Organizations calls Crossrole makes, all read-only and paginated. {@link OrganizationView} caches them
 * for one invocation.
 */
public final class OrganizationReader {
    private final OrganizationsClient organizations;

    public OrganizationReader(OrganizationsClient organizations) {
        this.organizations = organizations;
    }

    public String managementAccountId() {
        return organizations.describeOrganization().organization().masterAccountId();
    }

    public String organizationId() {
        return organizations.describeOrganization().organization().id();
    }

    /** The organization's root ID (r-…): Organizations has exactly one. */
    public String rootId() {
        return organizations.listRoots().roots().get(0).id();
    }

    public List<Account> accounts() {
        return organizations.listAccountsPaginator(r -> { }).stream().flatMap(page -> page.accounts().stream()).toList();
    }

    public List<Account> accountsUnder(String parentId) {
        return organizations.listAccountsForParentPaginator(r -> r.parentId(parentId)).stream()
                .flatMap(page -> page.accounts().stream()).toList();
    }

    public List<String> childUnits(String parentId) {
        return organizations.listOrganizationalUnitsForParentPaginator(r -> r.parentId(parentId)).stream()
                .flatMap(page -> page.organizationalUnits().stream()).map(ou -> ou.id()).toList();
    }

    /** The direct parents of an account or OU (Organizations has exactly one). */
    public List<String> parents(String childId) {
        return organizations.listParentsPaginator(r -> r.childId(childId)).stream()
                .flatMap(page -> page.parents().stream()).map(p -> p.id()).toList();
    }

    public Optional<Account> account(AccountId account) {
        try {
            return Optional.of(organizations.describeAccount(r -> r.accountId(account.value())).account());
        } catch (AccountNotFoundException e) {
            return Optional.empty();
        }
    }

    /** ACTIVE by both the older status and the newer state field, when the latter is present. */
    public static boolean isActive(Account account) {
        boolean statusActive = "ACTIVE".equals(account.statusAsString());
        String state = account.stateAsString();
        return statusActive && (state == null || "ACTIVE".equals(state));
    }
}
