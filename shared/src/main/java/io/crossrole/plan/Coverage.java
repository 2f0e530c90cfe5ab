package io.crossrole.plan;

import io.crossrole.grant.Grant;
import io.crossrole.model.AccountId;
import io.crossrole.model.Target;
import java.util.List;

/**
 * Whether a grant's targets cover an account: it names the account, or one of the account's ancestors (an OU, the
 * root). The management account is covered only when named. Pure.
 *
 * <pre>{@code
 * Coverage.covers(grant, account, List.of("ou-ab12-11111111", "r-ab12"), management);
 * }</pre>
 */
public final class Coverage {
    private Coverage() {
    }

    public static boolean covers(Grant grant, AccountId account, List<String> ancestors, AccountId management) {
        for (Target target : grant.targets()) {
            if (target instanceof Target.Account a && a.account().equals(account)) {
                return true;
            }
        }
        if (account.equals(management)) {
            return false;
        }
        return grant.targets().stream().anyMatch(t -> !(t instanceof Target.Account) && ancestors.contains(t.id()));
    }
}
