package io.crossrole.model;

import java.util.regex.Pattern;

/**
 * Where a grant applies: one account, every account below an organizational unit, or every account
 * of the organization (its root).
 *
 * <pre>{@code
 * Target.parse("ou-ab12-cdef3456"); // OrganizationalUnit
 * }</pre>
 */
public sealed interface Target permits Target.Account, Target.OrganizationalUnit, Target.Root {

    String id();

    record Account(AccountId account) implements Target {
        @Override
        public String id() {
            return account.value();
        }
    }

    record OrganizationalUnit(String id) implements Target {
    }

    record Root(String id) implements Target {
    }

    Pattern OU = Pattern.compile("ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}");
    Pattern ROOT = Pattern.compile("r-[0-9a-z]{4,32}");

    /** @throws IllegalArgumentException naming the accepted forms */
    static Target parse(String text) {
        if (AccountId.isValid(text)) {
            return new Account(AccountId.of(text));
        }
        if (text != null && OU.matcher(text).matches()) {
            return new OrganizationalUnit(text);
        }
        if (text != null && ROOT.matcher(text).matches()) {
            return new Root(text);
        }
        String hint = text != null && text.matches("\\d+")
                ? " (an account ID has exactly 12 digits; this has " + text.length() + ")"
                : "";
        throw new IllegalArgumentException("'" + text + "' is not a 12-digit account ID, an OU ID (ou-…) or a root ID (r-…)" + hint);
    }
}
