package io.crossrole.guardrail;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One entry of the {@code forbiddenActions} guardrail: an action pattern, and whether it is forbidden only on
 * every resource. Written {@code "iam:PassRole"} (forbidden whatever the resource) or {@code "iam:PassRole on *"}
 * (forbidden unless every resource the statement names is exact: no {@code *}, no {@code ?}, no NotResource).
 *
 * <pre>{@code
 * ForbiddenAction.parse("iam:Create* on *"); // ForbiddenAction[action=iam:Create*, onEveryResourceOnly=true]
 * }</pre>
 */
public record ForbiddenAction(String action, boolean onEveryResourceOnly) {
    private static final Pattern ACTION = Pattern.compile("\\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+");
    private static final String ON_EVERY_RESOURCE = " on *";

    public ForbiddenAction {
        Objects.requireNonNull(action, "action");
    }

    /** @throws IllegalArgumentException when the text is not {@code service:Action} or {@code service:Action on *} */
    public static ForbiddenAction parse(String text) {
        String trimmed = text.strip();
        boolean scoped = trimmed.toLowerCase(Locale.ROOT).endsWith(ON_EVERY_RESOURCE);
        String action = scoped ? trimmed.substring(0, trimmed.length() - ON_EVERY_RESOURCE.length()).strip() : trimmed;
        if (!ACTION.matcher(action).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not an action pattern (service:Action, wildcards allowed),"
                    + " optionally followed by ' on *'");
        }
        return new ForbiddenAction(action, scoped);
    }

    @Override
    public String toString() {
        return onEveryResourceOnly ? action + ON_EVERY_RESOURCE : action;
    }
}
