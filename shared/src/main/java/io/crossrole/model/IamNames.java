package io.crossrole.model;

import java.util.regex.Pattern;

/** IAM's naming rules for roles and paths. */
public final class IamNames {
    private static final Pattern ROLE_NAME = Pattern.compile("[\\w+=,.@-]{1,64}");
    private static final Pattern PATH = Pattern.compile("/|/[\\x21-\\x7E]+/");

    private IamNames() {
    }

    public static boolean isValidRoleName(String name) {
        return name != null && ROLE_NAME.matcher(name).matches();
    }

    /** {@code /} or {@code /a/b/}: 1–512 printable ASCII characters, starting and ending with a slash. */
    public static boolean isValidPath(String path) {
        return path != null && path.length() <= 512 && PATH.matcher(path).matches() && !path.contains("//");
    }
}
