package io.crossrole.role;

/** What the planner decided for one role: a plan to apply, or a conflict that forbids touching it. */
public sealed interface PlanDecision {

    record Apply(RolePlan plan) implements PlanDecision {
    }

    /** The role exists but is not Crossrole's, or belongs to another grant: left untouched. */
    record Conflict(String message) implements PlanDecision {
    }
}
