package io.crossrole.reconcile;

import io.crossrole.grant.Grant;
import io.crossrole.grant.GranteeSide;
import io.crossrole.grant.PolicyHolder;
import io.crossrole.model.Arn;
import io.crossrole.policy.PolicyDocuments;
import io.crossrole.policy.Redaction;
import io.crossrole.policy.ResourceStatements;
import io.crossrole.resource.ResourcePolicies;
import io.crossrole.role.DesiredRole;
import io.crossrole.role.PlanDecision;
import io.crossrole.role.RoleOperation;
import io.crossrole.store.AssignmentStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What reconciling one key will do, after the IAM reads and before any write: what the worker applies, and what
 * {@code crossrole grant plan} prints. Made by {@link Reconciler#plan}.
 */
public sealed interface ReconcilePlan {

    ReconcileKey key();

    /** Lines a person reads: the dry run. Condition values are redacted. */
    List<String> describe();

    /**
     * One word for what it does: create, update, none, rename, revoke, put-policy, remove-policy, put-statement,
     * remove-statement, refused, conflict, note, unreachable.
     */
    String verb();

    /** The IAM API actions applying it calls, in order: what {@code crossrole grant plan --json} lists as {@code calls}. */
    List<String> actions();

    /**
     * Bring the grant's role to the grant.
     *
     * @param renamed the removal of the grant's role of another name there (a rename), planned on the role as read
     */
    record Role(ReconcileKey key, Grant grant, DesiredRole desired, String roleArn, Optional<Renamed> renamed,
                PlanDecision decision, boolean exists) implements ReconcilePlan {
        @Override
        public List<String> describe() {
            List<String> out = new ArrayList<>();
            renamed.ifPresent(r -> out.addAll(r.describe()));
            switch (decision) {
                case PlanDecision.Conflict c -> out.add("conflict, nothing written: " + c.message());
                case PlanDecision.Apply a -> out.addAll(a.plan().isEmpty() ? List.of("role matches the grant") : a.plan().describe());
            }
            return out;
        }

        @Override
        public List<String> actions() {
            List<String> out = new ArrayList<>(renamed.map(r -> actionsOf(r.decision())).orElse(List.of()));
            out.addAll(actionsOf(decision));
            return out;
        }

        @Override
        public String verb() {
            if (decision instanceof PlanDecision.Conflict) {
                return "conflict";
            }
            if (renamed.isPresent()) {
                return "rename";
            }
            return ((PlanDecision.Apply) decision).plan().isEmpty() ? "none" : exists ? "update" : "create";
        }
    }

    /** The removal of a renamed role, as planned when the old role was read. */
    record Renamed(String roleName, PlanDecision decision) {
        List<String> describe() {
            return switch (decision) {
                case PlanDecision.Conflict c -> List.of("renamed from " + roleName + "; leaving it: " + c.message());
                case PlanDecision.Apply a -> a.plan().describe().stream().map(line -> "renamed from " + roleName + ": " + line).toList();
            };
        }
    }

    /** Remove the grant's role. */
    record Revocation(ReconcileKey key, String roleName, String reason, PlanDecision decision) implements ReconcilePlan {
        @Override
        public List<String> describe() {
            return switch (decision) {
                case PlanDecision.Conflict c -> List.of(reason + "; nothing deleted: " + c.message());
                case PlanDecision.Apply a -> a.plan().isEmpty() ? List.of(reason + "; the role is already gone")
                        : a.plan().describe().stream().map(line -> reason + ": " + line).toList();
            };
        }

        @Override
        public List<String> actions() {
            return actionsOf(decision);
        }

        @Override
        public String verb() {
            return decision instanceof PlanDecision.Conflict ? "conflict" : "revoke";
        }
    }

    /**
     * Put (a document) or remove (none) the grant's identity policy on a grantee.
     *
     * @param current the policy the grantee has now, when read
     */
    record GranteePolicy(ReconcileKey key, Arn grantee, String policyName, Optional<String> document, Optional<String> current,
                         String reason) implements ReconcilePlan {
        @Override
        public List<String> describe() {
            if (document.isEmpty()) {
                return List.of(current.isPresent() ? "delete inline policy " + policyName + " (" + reason + ")"
                        : "no inline policy " + policyName + " to delete (" + reason + ")");
            }
            return List.of(matches()
                    ? "inline policy " + policyName + " matches the grant"
                    : "put inline policy " + policyName + " " + Redaction.conditionValues(document.get()));
        }

        /** True for the explicit deny of a {@code granteeDeny} principal. */
        public boolean denies() {
            return key instanceof ReconcileKey.Grantee g && g.side() == GranteeSide.DENY;
        }

        /** True when the grantee holds the document already: nothing to write. */
        public boolean matches() {
            return document.isPresent() && current.isPresent() && PolicyDocuments.equivalent(current.get(), document.get());
        }

        @Override
        public List<String> actions() {
            String type = grantee.resourceType().substring(0, 1).toUpperCase(Locale.ROOT) + grantee.resourceType().substring(1);
            if (document.isEmpty()) {
                return current.isPresent() ? List.of("Delete" + type + "Policy") : List.of();
            }
            return matches() ? List.of() : List.of("Put" + type + "Policy");
        }

        @Override
        public String verb() {
            if (document.isEmpty()) {
                return current.isPresent() ? "remove-policy" : "none";
            }
            return matches() ? "none" : "put-policy";
        }
    }

    /**
     * Put (or take out) a resource-policy grant's statement in the policies of its resources in the account. Nothing is
     * written when {@code refusal} is present (a resource that is not there, a policy that would be too large, a
     * statement of that Sid Crossrole did not write): the whole key is FAILED.
     *
     * @param removal true when the statement is taken out of every policy (revocation)
     */
    record Statements(ReconcileKey key, String sid, List<PolicyChange> changes, Optional<String> refusal, boolean removal,
                      String reason) implements ReconcilePlan {
        public Statements {
            changes = List.copyOf(changes);
        }

        @Override
        public List<String> describe() {
            if (refusal.isPresent()) {
                return List.of("refused, nothing written: " + refusal.get());
            }
            List<String> out = new ArrayList<>();
            changes.forEach(c -> out.add(c.describe(sid)));
            return out.isEmpty() ? List.of(reason + ": no policy holds statement " + sid) : out;
        }

        @Override
        public List<String> actions() {
            return refusal.isPresent() ? List.of() : changes.stream().filter(PolicyChange::writes).map(PolicyChange::action).toList();
        }

        @Override
        public String verb() {
            if (refusal.isPresent()) {
                return refusal.get().startsWith("conflict") ? "conflict" : "refused";
            }
            if (changes.stream().noneMatch(PolicyChange::writes)) {
                return "none";
            }
            return removal ? "remove-statement" : "put-statement";
        }

        /** The policies that hold the statement once applied (their resources' ARNs): what the status records. */
        public List<String> holdersAfter(String partition) {
            return changes.stream().filter(c -> c.next().flatMap(p -> ResourceStatements.find(p, sid)).isPresent())
                    .map(c -> c.holder().arn(partition)).toList();
        }
    }

    /**
     * One resource policy before and after: {@code next} empty deletes the policy (nothing else was left in it).
     *
     * @param arn the resource's ARN, for people
     */
    record PolicyChange(PolicyHolder holder, String arn, Optional<String> current, Optional<String> next) {
        public boolean writes() {
            return !current.equals(next);
        }

        String action() {
            return next.isEmpty() ? ResourcePolicies.deleteAction(holder) : ResourcePolicies.putAction(holder);
        }

        String describe(String sid) {
            int others = next.or(() -> current).map(p -> ResourceStatements.others(p, sid).size()).orElse(0);
            if (!writes()) {
                return "statement " + sid + " in the policy of " + arn + " matches the grant";
            }
            if (next.isEmpty()) {
                return "delete the policy of " + arn + " (statement " + sid + " was all it held)";
            }
            boolean had = current.flatMap(p -> ResourceStatements.find(p, sid)).isPresent();
            boolean keeps = next.flatMap(p -> ResourceStatements.find(p, sid)).isPresent();
            String what = !keeps ? "remove statement " + sid + " from" : had ? "update statement " + sid + " in" : "add statement " + sid + " to";
            return what + " the policy of " + arn + " (" + others + " other statement" + (others == 1 ? "" : "s") + " kept as they are)";
        }
    }

    /** Record a status; nothing in IAM. */
    record Note(ReconcileKey key, AssignmentStatus status, String roleName, String message) implements ReconcilePlan {
        @Override
        public List<String> describe() {
            return List.of("record " + status + ": " + message);
        }

        @Override
        public List<String> actions() {
            return List.of();
        }

        @Override
        public String verb() {
            return "note";
        }
    }

    /** Nothing to do. */
    record Nothing(ReconcileKey key, String reason) implements ReconcilePlan {
        @Override
        public List<String> describe() {
            return List.of("nothing to do: " + reason);
        }

        @Override
        public List<String> actions() {
            return List.of();
        }

        @Override
        public String verb() {
            return "none";
        }
    }

    /**
     * The account (or the organization) could not be read: retried (PENDING), or FAILED when that cannot pass.
     *
     * @param denied the member role denied AssumeRole: a new account's window, after which it is FAILED naming the role
     */
    record Unreachable(ReconcileKey key, String roleName, String reason, boolean retryable, boolean denied) implements ReconcilePlan {
        @Override
        public List<String> describe() {
            return List.of("cannot read the account: " + reason);
        }

        @Override
        public List<String> actions() {
            return List.of();
        }

        @Override
        public String verb() {
            return "unreachable";
        }
    }

    private static List<String> actionsOf(PlanDecision decision) {
        return decision instanceof PlanDecision.Apply a ? a.plan().operations().stream().map(RoleOperation::action).toList() : List.of();
    }
}
