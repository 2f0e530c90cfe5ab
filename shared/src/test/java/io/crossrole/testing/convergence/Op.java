package io.crossrole.testing.convergence;

/**
 * One step of a generated history. Every choice is made when the history is generated (account IDs, grant bodies,
 * which records a delivery takes), so that a seed names the same steps on every run; a step that finds nothing to act
 * on when it runs (a hand edit of a role that is not there) does nothing and says so.
 */
public sealed interface Op {

    /** A person writes a grant record (create or replace); the table's stream gets a record. */
    record PutGrant(String grantId, String json) implements Op {
        @Override
        public String toString() {
            return "put " + json;
        }
    }

    /** A person deletes a grant record. */
    record DeleteGrant(String grantId) implements Op {
        @Override
        public String toString() {
            return "delete grant " + grantId;
        }
    }

    /**
     * The stream delivers a batch: up to {@code perGrant} pending records of each grant, grants interleaved as
     * {@code order} shuffles them (each grant's records stay in order). With {@code redeliver} the batch comes again
     * later although it succeeded (at-least-once).
     */
    record DeliverStream(int perGrant, long order, boolean redeliver) implements Op {
        @Override
        public String toString() {
            return "deliver stream (" + perGrant + " per grant, order " + order + (redeliver ? ", delivered again later" : "") + ")";
        }
    }

    /** An account is created in the organization (under {@code parent}); its CreateAccountResult event is pending. */
    record CreateAccount(String accountId, String parent, int deniedAssumes) implements Op {
        @Override
        public String toString() {
            return "create account " + accountId + " under " + parent + " (member role refuses the first " + deniedAssumes
                    + " AssumeRole calls)";
        }
    }

    /** An account moves to another OU or the root; its MoveAccount event is pending. */
    record MoveAccount(String accountId, String destination) implements Op {
        @Override
        public String toString() {
            return "move account " + accountId + " to " + destination;
        }
    }

    /** An account is closed; its CloseAccountResult event is pending. */
    record CloseAccount(String accountId) implements Op {
        @Override
        public String toString() {
            return "close account " + accountId;
        }
    }

    /** EventBridge delivers up to {@code count} pending account events, in any order; one may come twice. */
    record DeliverAccountEvents(int count, long order, boolean duplicate) implements Op {
        @Override
        public String toString() {
            return "deliver " + count + " account event(s) (order " + order + (duplicate ? ", one twice" : "") + ")";
        }
    }

    /** {@code pollers} workers per lane consume up to {@code batches} batches of the reconcile queues at once. */
    record Consume(int pollers, int batches) implements Op {
        @Override
        public String toString() {
            return "consume " + batches + " batch(es) with " + pollers + " worker(s) per lane";
        }
    }

    /** The scheduled drift run, in report or remediate mode. */
    record Drift(boolean remediate) implements Op {
        @Override
        public String toString() {
            return "drift run (" + (remediate ? "remediate" : "report") + ")";
        }
    }

    /** A hand-made change outside Crossrole. */
    record Hand(HandChange change, String accountId, String name) implements Op {
        @Override
        public String toString() {
            return "by hand: " + change.describe(accountId, name);
        }
    }

    /** What a person may do by hand. */
    enum HandChange {
        /** attach another managed policy to a Crossrole role */
        ATTACH_POLICY,
        /** add a principal to a Crossrole role's trust policy */
        EDIT_TRUST,
        /** delete a Crossrole role */
        DELETE_ROLE,
        /** create a role Crossrole does not own under a grant's role name */
        UNMANAGED_ROLE,
        /** add another statement to the queue's policy */
        FOREIGN_STATEMENT,
        /** change Crossrole's statement in the queue's policy */
        EDIT_STATEMENT;

        String describe(String account, String name) {
            return switch (this) {
                case ATTACH_POLICY -> "attach a managed policy to role " + name + " in " + account;
                case EDIT_TRUST -> "add a principal to the trust policy of role " + name + " in " + account;
                case DELETE_ROLE -> "delete role " + name + " in " + account;
                case UNMANAGED_ROLE -> "create role " + name + " (not Crossrole's) in " + account;
                case FOREIGN_STATEMENT -> "add statement " + name + " to the policy of queue orders in " + account;
                case EDIT_STATEMENT -> "change statement " + name + " in the policy of queue orders in " + account;
            };
        }

        /** Whether the change concerns what Crossrole manages (only a drift run in remediate mode undoes it). */
        boolean touchesManaged() {
            return this == ATTACH_POLICY || this == EDIT_TRUST || this == DELETE_ROLE || this == EDIT_STATEMENT;
        }
    }
}
