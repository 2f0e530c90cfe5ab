package io.crossrole.model;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A 12-digit AWS account ID. Always a string: {@code 012345678901} keeps its leading zero.
 *
 * <pre>{@code
 * AccountId prod = AccountId.of("012345678901");
 * }</pre>
 */
public record AccountId(String value) implements Comparable<AccountId> {
    private static final Pattern DIGITS = Pattern.compile("\\d{12}");

    public AccountId {
        Objects.requireNonNull(value, "value");
        if (!isValid(value)) {
            throw new IllegalArgumentException("an account ID is exactly 12 digits, got '" + value + "'");
        }
    }

    public static AccountId of(String value) {
        return new AccountId(value);
    }

    public static boolean isValid(String value) {
        return value != null && DIGITS.matcher(value).matches();
    }

    @Override
    public int compareTo(AccountId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
