package io.crossrole.grant;

import io.crossrole.model.AccountId;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The outcome of reading a grant record: the grant when it is valid, otherwise every problem found.
 * {@link #grantId()}, {@link #accountTargets()} and {@link #roleName()} are filled in as far as the record allows,
 * so that a refused record can still be reported on the assignments it was meant for.
 */
public record GrantValidation(Optional<Grant> grant, List<Problem> problems, Optional<String> grantId,
                              List<AccountId> accountTargets, Optional<String> roleName) {

    public GrantValidation {
        problems = List.copyOf(problems);
        accountTargets = List.copyOf(accountTargets);
    }

    public boolean isValid() {
        return problems.isEmpty();
    }

    /** All problems in one line, e.g. {@code roleName: …; targets[0]: …}. */
    public String summary() {
        return problems.stream().map(Problem::toString).collect(Collectors.joining("; "));
    }
}
