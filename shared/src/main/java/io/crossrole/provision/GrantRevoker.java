package io.crossrole.provision;

import io.crossrole.grant.Grant;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a grant away everywhere it was applied, as its assignments record: used when its record is gone from the
 * Grants table or expired (stream), and when the drift check finds it expired before DynamoDB's TTL got to it.
 * What an event payload says the grant was never decides what is revoked.
 */
public final class GrantRevoker {
    private static final Logger LOG = LoggerFactory.getLogger(GrantRevoker.class);

    private final GrantProvisioner provisioner;

    public GrantRevoker(GrantProvisioner provisioner) {
        this.provisioner = provisioner;
    }

    /**
     * Revokes the grant in every account and grantee of its assignments that are not REVOKED.
     *
     * @param prior the grant's assignments
     * @return true when a passing fault stopped part of the work
     */
    public boolean revokeEverywhere(String grantId, List<Assignment> prior, String reason) {
        return revokeEverywhere(grantId, prior, reason, Map.of());
    }

    /**
     * Revokes the grant of the Grants table (an expired one) everywhere its assignments say, and in the accounts it
     * names: a grant expired before it was ever applied gets a REVOKED status there, saying so.
     */
    public boolean revokeEverywhere(Grant grant, List<Assignment> prior, String reason) {
        Map<AccountId, String> named = new LinkedHashMap<>();
        grant.accountTargets().forEach(account -> named.put(account, grant.roleName()));
        return revokeEverywhere(grant.grantId(), prior, reason, named);
    }

    private boolean revokeEverywhere(String grantId, List<Assignment> prior, String reason, Map<AccountId, String> named) {
        Map<AccountId, String> accounts = new LinkedHashMap<>();
        boolean retry = false;
        boolean any = false;
        for (Assignment a : prior) {
            if (a.status() == AssignmentStatus.REVOKED) {
                continue;
            }
            if (a.accountId().startsWith(Assignment.GRANTEE_PREFIX)) {
                Optional<Arn> arn = Arn.parse(a.accountId().substring(Assignment.GRANTEE_PREFIX.length()));
                if (arn.isPresent() && AccountId.isValid(arn.get().account())) {
                    any = true;
                    retry |= provisioner.detachGrantee(grantId, arn.get(), reason).retry();
                }
            } else if (a.isAccount() && a.roleName().isPresent()) {
                accounts.put(AccountId.of(a.accountId()), a.roleName().get());
            }
        }
        named.forEach(accounts::putIfAbsent);
        for (Map.Entry<AccountId, String> e : accounts.entrySet()) {
            any = true;
            retry |= provisioner.revoke(grantId, e.getValue(), e.getKey(), reason).retry();
        }
        if (!any) {
            LOG.info("grantId={} {}: it was applied nowhere, nothing to revoke", grantId, reason);
        }
        return retry;
    }
}
