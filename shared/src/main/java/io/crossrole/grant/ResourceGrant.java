package io.crossrole.grant;

import io.crossrole.model.AccountId;
import io.crossrole.model.Principal;
import io.crossrole.model.Target;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A resource-policy grant: instead of a role, one statement in the policy of each resource it names (S3 bucket
 * policies, SQS queue policies, SNS topic policies), allowing the trusted principals the actions on those resources.
 * The statement's {@link #sid()} is Crossrole's mark: it never changes or removes a statement of another Sid.
 *
 * <pre>{@code
 * grant.holdersIn(prod); // {Queue[orders in 111111111111] -> [arn:aws:sqs:us-east-1:111111111111:orders]}
 * }</pre>
 *
 * @param resources the resources as the record names them (an S3 object ARN goes to its bucket's policy)
 * @param actions   actions of the resources' service
 */
public record ResourceGrant(String grantId, List<AccountId> targets, List<Principal> trustedPrincipals, boolean requireMfa,
                            List<ResourceArn> resources, List<String> actions, Optional<String> description,
                            Optional<Instant> expiresAt) {
    /** The prefix of every Sid Crossrole writes. */
    public static final String SID_PREFIX = "Crossrole";

    public ResourceGrant {
        Objects.requireNonNull(grantId);
        targets = List.copyOf(targets);
        trustedPrincipals = List.copyOf(trustedPrincipals);
        resources = List.copyOf(resources);
        actions = List.copyOf(actions);
    }

    /** The statement's Sid: {@code Crossrole} and the grant ID reduced to letters and digits (IAM's Sid alphabet). */
    public String sid() {
        return sid(grantId);
    }

    /** The Sid a grant of this ID writes. */
    public static String sid(String grantId) {
        return SID_PREFIX + grantId.replaceAll("[^A-Za-z0-9]", "");
    }

    /** The targets, as the planner's expansion takes them (account IDs only). */
    public List<Target> asTargets() {
        return targets.stream().<Target>map(Target.Account::new).toList();
    }

    /** The resources' service: s3, sqs or sns (one per grant). */
    public String service() {
        return resources.get(0).holder().service();
    }

    /** The policies that hold the grant's statement in one account, each with the resource ARNs its statement names. */
    public Map<PolicyHolder, List<String>> holdersIn(AccountId account) {
        Map<PolicyHolder, List<String>> out = new LinkedHashMap<>();
        for (ResourceArn r : resources) {
            if (r.holder().account().map(account::equals).orElse(targets.size() == 1 && targets.get(0).equals(account))) {
                out.computeIfAbsent(r.holder(), h -> new ArrayList<>()).add(r.arn());
            }
        }
        return out;
    }

    public boolean isExpired(Instant now) {
        return expiresAt.map(at -> !at.isAfter(now)).orElse(false);
    }

    /** A resource ARN of the grant and the policy it belongs to. */
    public record ResourceArn(String arn, PolicyHolder holder) {
    }
}
