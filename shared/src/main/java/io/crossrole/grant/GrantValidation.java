package io.crossrole.grant;

import io.crossrole.model.AccountId;
import io.crossrole.model.Target;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The outcome of reading a grant record: the grant when it is valid (a role grant in {@link #grant()}, a
 * resource-policy grant in {@link #resourceGrant()}), otherwise every problem found. {@link #grantId()},
 * {@link #accountTargets()} and {@link #roleName()} are filled in as far as the record allows, so that a refused
 * record can still be reported on the assignments it was meant for.
 */
public record GrantValidation(Optional<Grant> grant, List<Problem> problems, Optional<String> grantId,
                              List<AccountId> accountTargets, Optional<String> roleName, Optional<ResourceGrant> resourceGrant) {

    public GrantValidation {
        problems = List.copyOf(problems);
        accountTargets = List.copyOf(accountTargets);
    }

    /** A role grant's outcome. */
    public GrantValidation(Optional<Grant> grant, List<Problem> problems, Optional<String> grantId, List<AccountId> accountTargets,
                           Optional<String> roleName) {
        this(grant, problems, grantId, accountTargets, roleName, Optional.empty());
    }

    /** The targets of the valid grant, whichever its kind (empty when refused). */
    public List<Target> targets() {
        return grant.map(Grant::targets).or(() -> resourceGrant.map(ResourceGrant::asTargets)).orElse(List.of());
    }

    public boolean isValid() {
        return problems.isEmpty();
    }

    /** All problems in one line, e.g. {@code roleName: …; targets[0]: …}. */
    public String summary() {
        return problems.stream().map(Problem::toString).collect(Collectors.joining("; "));
    }
}
