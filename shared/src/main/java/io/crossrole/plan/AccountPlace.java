package io.crossrole.plan;

import io.crossrole.model.AccountId;
import java.util.List;
import java.util.Optional;

/**
 * Where an account is in the organization now, as the worker reads it (Organizations, cached per invocation).
 *
 * @param membership ACTIVE, in the organization but not active (suspended, closing), or not in it
 * @param ancestors  what coverage needs of its OU chain, nearest first: the whole chain up to the root when the grant
 *                   targets an OU, the root alone when it targets the root, nothing otherwise (and nothing unless ACTIVE)
 * @param protection why Crossrole must not write there (a guardrail), if it must not
 */
public record AccountPlace(AccountId account, Membership membership, List<String> ancestors, Optional<String> protection) {

    public enum Membership { ACTIVE, INACTIVE, ABSENT }

    public AccountPlace {
        ancestors = List.copyOf(ancestors);
    }

    public boolean isActive() {
        return membership == Membership.ACTIVE;
    }
}
