package io.crossrole.provision;

import io.crossrole.grant.GrantParser;
import io.crossrole.grant.GrantValidation;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a grant away everywhere: used when its record is deleted or expires (stream), and when the drift
 * check finds it expired before DynamoDB's TTL got to it.
 */
public final class GrantRevoker {
    private static final Logger LOG = LoggerFactory.getLogger(GrantRevoker.class);

    private final GrantParser parser;
    private final GrantProvisioner provisioner;

    public GrantRevoker(GrantParser parser, GrantProvisioner provisioner) {
        this.parser = parser;
        this.provisioner = provisioner;
    }

    /**
     * Revokes the grant in every account and grantee where it was applied: the accounts and grantees of its
     * assignments that are not REVOKED, plus those the record itself names.
     *
     * @param image  the grant record as last known (may be invalid)
     * @param prior  the grant's assignments
     * @return true when a passing fault stopped part of the work
     */
    public boolean revokeEverywhere(String grantId, Map<String, Object> image, List<Assignment> prior, String reason,
                                     Optional<BigInteger> sequence) {
        String imageRole = image.get("roleName") instanceof String s ? s : null;
        Map<AccountId, String> accounts = new LinkedHashMap<>();
        for (Assignment a : prior) {
            if (a.isAccount() && a.status() != AssignmentStatus.REVOKED) {
                a.roleName().or(() -> Optional.ofNullable(imageRole))
                        .ifPresent(role -> accounts.put(AccountId.of(a.accountId()), role));
            }
        }
        GrantValidation old = parser.parse(image);
        if (imageRole != null) {
            old.accountTargets().forEach(account -> accounts.putIfAbsent(account, imageRole));
        }
        Set<String> grantees = new LinkedHashSet<>();
        prior.stream().filter(a -> a.accountId().startsWith(Assignment.GRANTEE_PREFIX) && a.status() != AssignmentStatus.REVOKED)
                .forEach(a -> grantees.add(a.accountId().substring(Assignment.GRANTEE_PREFIX.length())));
        old.grant().ifPresent(g -> g.granteeAttach().forEach(arn -> grantees.add(arn.toString())));

        boolean retry = false;
        for (String grantee : grantees) {
            Optional<Arn> arn = Arn.parse(grantee);
            if (arn.isPresent() && AccountId.isValid(arn.get().account())) {
                retry |= provisioner.detachGrantee(grantId, arn.get(), reason, sequence).retry();
            }
        }
        for (Map.Entry<AccountId, String> e : accounts.entrySet()) {
            retry |= provisioner.revoke(grantId, e.getValue(), e.getKey(), reason, sequence).retry();
        }
        if (accounts.isEmpty() && grantees.isEmpty()) {
            LOG.info("grantId={} {}: it was applied nowhere, nothing to revoke", grantId, reason);
        }
        return retry;
    }

}
