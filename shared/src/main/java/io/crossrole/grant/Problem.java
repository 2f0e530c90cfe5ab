package io.crossrole.grant;

/**
 * One thing wrong with a grant record, naming the field: {@code roleName: must be 1–64 characters…}.
 */
public record Problem(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
