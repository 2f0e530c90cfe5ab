package io.crossrole.guardrail;

import io.crossrole.model.AccountId;
import java.util.List;

/**
 * What the guardrails need to know of the organization, read from Organizations and cached for one invocation:
 * which accounts belong to it, which is its management account, where an account or OU sits, and which account
 * Crossrole itself runs in.
 */
public interface OrganizationFacts {

    AccountId management();

    /** The account the Crossrole stack runs in (the management account or a delegated administrator). */
    AccountId ownAccount();

    /** True when the account belongs to this organization, whatever its status. */
    boolean isMember(AccountId account);

    /** The OUs and root above an account or OU, nearest first. */
    List<String> ancestors(String id);
}
