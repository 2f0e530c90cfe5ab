package io.crossrole.store;

import io.crossrole.grant.GranteeSide;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import java.util.Objects;

/**
 * What one status is about, within a grant: an owner account, a grantee principal, a target that could not be
 * expanded, or the grant as a whole. The Assignments table keeps it in its {@code accountId} attribute (its
 * sort key, as deployed stacks hold it); {@link #parse(String)} reads that once, {@link #stored()} writes it.
 *
 * <pre>{@code
 * AssignmentKey.parse("111111111111");                                  // Owner
 * AssignmentKey.parse("grantee#arn:aws:iam::222222222222:group/Dev");   // Grantee, ALLOW
 * AssignmentKey.parse("deny#arn:aws:iam::222222222222:group/Testers");  // Grantee, DENY
 * }</pre>
 */
public sealed interface AssignmentKey {
    String GRANTEE_PREFIX = "grantee#";
    String DENIED_PREFIX = "deny#";
    String GRANT_LEVEL = "#grant";

    /** As stored in the table's {@code accountId} attribute. */
    String stored();

    /** The owner account a grant's role lives in. */
    record Owner(AccountId account) implements AssignmentKey {
        public Owner {
            Objects.requireNonNull(account);
        }

        @Override
        public String stored() {
            return account.value();
        }
    }

    /**
     * A grantee group, user or role whose identity policy lets it assume the grant's roles ({@code ALLOW}), or denies
     * it explicitly ({@code DENY}).
     */
    record Grantee(Arn principal, GranteeSide side) implements AssignmentKey {
        public Grantee {
            Objects.requireNonNull(principal);
            Objects.requireNonNull(side);
        }

        @Override
        public String stored() {
            return (side == GranteeSide.ALLOW ? GRANTEE_PREFIX : DENIED_PREFIX) + principal;
        }
    }

    /** An OU or root target of the grant, when it could not be expanded (it is not in the organization). */
    record Target(String targetId) implements AssignmentKey {
        @Override
        public String stored() {
            return targetId;
        }
    }

    /** The grant as a whole: a refused record that names no usable account. */
    record GrantLevel() implements AssignmentKey {
        @Override
        public String stored() {
            return GRANT_LEVEL;
        }
    }

    /** Reads a stored key: a 12-digit account, {@code grantee#ARN}, {@code deny#ARN}, {@code #grant}, or a target ID. */
    static AssignmentKey parse(String stored) {
        if (AccountId.isValid(stored)) {
            return new Owner(AccountId.of(stored));
        }
        if (stored.startsWith(GRANTEE_PREFIX)) {
            return Arn.parse(stored.substring(GRANTEE_PREFIX.length())).<AssignmentKey>map(a -> new Grantee(a, GranteeSide.ALLOW))
                    .orElseGet(() -> new Target(stored));
        }
        if (stored.startsWith(DENIED_PREFIX)) {
            return Arn.parse(stored.substring(DENIED_PREFIX.length())).<AssignmentKey>map(a -> new Grantee(a, GranteeSide.DENY))
                    .orElseGet(() -> new Target(stored));
        }
        if (stored.equals(GRANT_LEVEL)) {
            return new GrantLevel();
        }
        return new Target(stored);
    }
}
