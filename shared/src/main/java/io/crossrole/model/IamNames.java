package io.crossrole.model;

import java.util.regex.Pattern;

/** IAM's naming rules for roles and paths. */
public final class IamNames {
    private static final Pattern ROLE_NAME = Pattern.compile("[\\w+=,.@-]{1,64}");
    private static final Pattern PATH = Pattern.compile("/|(/[\\w+=,.@-]+)+/");

    private IamNames() {
    }

    public static boolean isValidRoleName(String name) {
        return name != null && ROLE_NAME.matcher(name).matches();
    }

    /**
     * {@code /} or {@code /a/b/}: at most 512 characters, starting and ending with a slash, each segment of the
     * characters IAM allows in names. IAM itself accepts any printable ASCII, but {@code *} and {@code ?} in a path
     * would be wildcards in every policy that names the role's ARN.
     */
    public static boolean isValidPath(String path) {
        return path != null && path.length() <= 512 && PATH.matcher(path).matches();
    }

    /** True when {@code path} is {@code base} or below it ({@code /crossrole-managed/team/} below {@code /crossrole-managed/}). */
    public static boolean isBeneath(String path, String base) {
        return path.startsWith(base);
    }
}
