package io.crossrole.reconcile;

import io.crossrole.grant.GranteeSide;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.store.AssignmentKey;
import java.util.Objects;

/**
 * One thing to make right: a grant's role in one owner account, or a grant's identity policy on one grantee.
 * Its {@link #account()} is the account the work happens in, and the message group of the reconcile queue, so
 * work on one account is serialized and different accounts run in parallel.
 *
 * <pre>{@code
 * ReconcileKey key = new ReconcileKey.OwnerAccount("prod-updateapp", AccountId.of("111111111111"));
 * key.account(); // 111111111111: the FIFO message group
 * }</pre>
 */
public sealed interface ReconcileKey {

    String grantId();

    /** The account the work happens in: the message group. */
    AccountId account();

    /** The status this key's outcome is recorded under. */
    AssignmentKey assignmentKey();

    record OwnerAccount(String grantId, AccountId owner) implements ReconcileKey {
        public OwnerAccount {
            Objects.requireNonNull(grantId);
            Objects.requireNonNull(owner);
        }

        @Override
        public AccountId account() {
            return owner;
        }

        @Override
        public AssignmentKey assignmentKey() {
            return new AssignmentKey.Owner(owner);
        }
    }

    /** A grant's identity policy on a grantee: the allow ({@code granteeAttach}) or the explicit deny ({@code granteeDeny}). */
    record Grantee(String grantId, Arn principal, GranteeSide side) implements ReconcileKey {
        public Grantee {
            Objects.requireNonNull(grantId);
            Objects.requireNonNull(principal);
            Objects.requireNonNull(side);
            if (!AccountId.isValid(principal.account())) {
                throw new IllegalArgumentException("a grantee's ARN names its account: " + principal);
            }
        }

        @Override
        public AccountId account() {
            return AccountId.of(principal.account());
        }

        @Override
        public AssignmentKey assignmentKey() {
            return new AssignmentKey.Grantee(principal, side);
        }
    }
}
