package io.crossrole.events;

import io.crossrole.model.AccountId;

/**
 * What an Organizations or Control Tower event means for Crossrole. Made by {@link AccountEventParser}.
 */
public sealed interface AccountEvent {

    /** The event name, e.g. {@code CreateAccountResult}, for logs and responses. */
    String name();

    /** How an account came in: created accounts have the member role, invited ones may lack it. */
    enum JoinKind { CREATED, INVITED }

    record Joined(String name, AccountId account, JoinKind kind) implements AccountEvent {
    }

    record Moved(String name, AccountId account, String sourceParentId, String destinationParentId) implements AccountEvent {
    }

    record Departed(String name, AccountId account, String reason) implements AccountEvent {
    }

    /** Nothing to do; {@code why} says what was missing or why the event does not apply. */
    record Ignored(String name, String why) implements AccountEvent {
    }
}
