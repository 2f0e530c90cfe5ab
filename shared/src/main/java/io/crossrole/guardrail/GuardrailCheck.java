package io.crossrole.guardrail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crossrole.grant.Grant;
import io.crossrole.grant.GranteeSide;
import io.crossrole.grant.Problem;
import io.crossrole.grant.ResourceGrant;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.Principal;
import io.crossrole.model.Target;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a valid grant against the {@link Guardrails}: pure checks of what it asks for (managed policies, inline
 * actions, boundary, session length) and checks that need the organization (who it trusts, where it writes).
 * Every refusal is a {@link Problem} naming the guardrail; the grant that passes comes back as it will be
 * provisioned (with the required permissions boundary).
 *
 * <pre>{@code
 * GuardrailCheck check = new GuardrailCheck(Guardrails.DEFAULT);
 * GuardrailCheck.Result r = check.document(grant);
 * r.problems(); // [managedPolicyArns[0]: guardrail forbiddenManagedPolicies: ... AdministratorAccess ...]
 * }</pre>
 */
public final class GuardrailCheck {
    /** The placeholder a required permissions boundary may hold for the owner account. */
    public static final String ACCOUNT_ID = "${AccountId}";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Guardrails guardrails;

    public GuardrailCheck(Guardrails guardrails) {
        this.guardrails = guardrails;
    }

    public Guardrails guardrails() {
        return guardrails;
    }

    /** The grant as it will be provisioned, when nothing was refused, and every refusal. */
    public record Result(Optional<Grant> grant, List<Problem> problems) {
        public Result {
            problems = List.copyOf(problems);
        }
    }

    /** The checks that need nothing but the grant. */
    public Result document(Grant grant) {
        List<Problem> problems = new ArrayList<>();
        for (int i = 0; i < grant.managedPolicyArns().size(); i++) {
            String arn = grant.managedPolicyArns().get(i);
            for (String pattern : guardrails.forbiddenManagedPolicies()) {
                if (Wildcards.matches(pattern, arn)) {
                    problems.add(new Problem("managedPolicyArns[" + i + "]", "guardrail forbiddenManagedPolicies: " + arn
                            + " is forbidden (it matches " + pattern + ")"));
                    break;
                }
            }
        }
        grant.inlinePolicy().ifPresent(doc -> inlineActions(doc, problems));
        Grant checked = grant;
        if (guardrails.requiredPermissionsBoundary().isPresent()) {
            String required = guardrails.requiredPermissionsBoundary().get();
            Optional<String> asked = grant.permissionsBoundaryArn();
            if (asked.isPresent() && !asked.get().equals(required)) {
                problems.add(new Problem("permissionsBoundaryArn", "guardrail requiredPermissionsBoundary: every role carries "
                        + required + "; a grant may not replace it with " + asked.get() + " (leave permissionsBoundaryArn out)"));
            } else {
                checked = grant.withPermissionsBoundaryArn(required);
            }
        }
        grant.maxSessionDuration().filter(s -> s > guardrails.maxSessionDurationCap()).ifPresent(s ->
                problems.add(new Problem("maxSessionDuration", "guardrail maxSessionDurationCap: " + s
                        + " seconds is longer than the " + guardrails.maxSessionDurationCap() + " allowed")));
        return new Result(problems.isEmpty() ? Optional.of(checked) : Optional.empty(), problems);
    }

    /**
     * The checks of a resource-policy grant that need nothing but the grant: its actions against
     * {@code forbiddenActions} (on the resources it names).
     */
    public List<Problem> document(ResourceGrant grant) {
        List<Problem> problems = new ArrayList<>();
        List<String> resources = grant.resources().stream().map(ResourceGrant.ResourceArn::arn).toList();
        for (int i = 0; i < grant.actions().size(); i++) {
            String action = grant.actions().get(i);
            for (ForbiddenAction forbidden : guardrails.forbiddenActions()) {
                boolean everywhere = resources.stream().anyMatch(r -> r.contains("*") || r.contains("?"));
                if (Wildcards.overlap(forbidden.action(), action) && (!forbidden.onEveryResourceOnly() || everywhere)) {
                    problems.add(new Problem("resourceActions[" + i + "]", "guardrail forbiddenActions: " + action
                            + " matches " + forbidden));
                    break;
                }
            }
        }
        return problems;
    }

    /** The checks of a resource-policy grant that need the organization: whom it trusts and where it writes. */
    public List<Problem> organization(ResourceGrant grant, OrganizationFacts org) {
        List<Problem> problems = trusted(grant.trustedPrincipals(), " a resource-policy grant cannot have one", org);
        for (int i = 0; i < grant.targets().size(); i++) {
            String field = "targets[" + i + "]";
            protection(grant.targets().get(i), org).ifPresent(why -> problems.add(new Problem(field, "guardrail protectedTargets: " + why)));
        }
        return problems;
    }

    /**
     * Trusted principals outside the organization: refused unless listed, and then only with an external ID.
     *
     * @param noExternalId {@code null} when the grant has an external ID; else empty, or why it cannot have one
     */
    private List<Problem> trusted(List<Principal> principals, String noExternalId, OrganizationFacts org) {
        List<Problem> problems = new ArrayList<>();
        for (int i = 0; i < principals.size(); i++) {
            Principal p = principals.get(i);
            if (org.isMember(p.account())) {
                continue;
            }
            String field = "trustedPrincipals[" + i + "]";
            boolean allowed = guardrails.trustsAnyExternalAccount() || guardrails.trustedExternalAccounts().contains(p.account().value());
            if (!allowed) {
                problems.add(new Problem(field, "guardrail trustedExternalAccounts: account " + p.account()
                        + " is not in this organization and not listed in trustedExternalAccounts"));
            } else if (guardrails.externalAccountsRequireExternalId() && noExternalId != null) {
                problems.add(new Problem(field, "guardrail externalAccountsRequireExternalId: account " + p.account()
                        + " is outside the organization, so the grant needs an externalId (the confused-deputy protection"
                        + noExternalId.replaceFirst("^ ", "; ") + ")"));
            }
        }
        return problems;
    }

    /** The checks that need the organization: whom the grant trusts and in which accounts it writes. */
    public List<Problem> organization(Grant grant, OrganizationFacts org) {
        List<Problem> problems = trusted(grant.trustedPrincipals(),
                grant.externalId().isPresent() ? null : "", org);
        for (int i = 0; i < grant.targets().size(); i++) {
            Target target = grant.targets().get(i);
            String field = "targets[" + i + "]";
            switch (target) {
                case Target.Account a -> protection(a.account(), org).ifPresent(why ->
                        problems.add(new Problem(field, "guardrail protectedTargets: " + why)));
                case Target.OrganizationalUnit ou -> protectedUnit(ou.id(), org).ifPresent(why ->
                        problems.add(new Problem(field, "guardrail protectedTargets: " + why)));
                case Target.Root root -> {
                    if (guardrails.protectedTargets().contains(root.id())) {
                        problems.add(new Problem(field, "guardrail protectedTargets: the root " + root.id() + " is protected"));
                    }
                }
            }
        }
        for (GranteeSide side : GranteeSide.values()) {
            List<Arn> grantees = side.of(grant);
            for (int i = 0; i < grantees.size(); i++) {
                AccountId account = AccountId.of(grantees.get(i).account());
                String field = side.field() + "[" + i + "]";
                protection(account, org).ifPresent(why -> problems.add(new Problem(field, "guardrail protectedTargets: " + why
                        + " (Crossrole would write the grantee policy there)")));
            }
        }
        return problems;
    }

    /**
     * Why Crossrole must not write in this account, if it must not: the management account (unless
     * {@code allowManagementAccount}), the account Crossrole runs in, a protected account, or one below a protected OU.
     */
    public Optional<String> protection(AccountId account, OrganizationFacts org) {
        if (!guardrails.allowManagementAccount() && account.equals(org.management())) {
            return Optional.of(account + " is the organization's management account (set allowManagementAccount to lift this)");
        }
        if (account.equals(org.ownAccount())) {
            return Optional.of(account + " is the account Crossrole runs in");
        }
        if (guardrails.protectedTargets().contains(account.value())) {
            return Optional.of("account " + account + " is listed in protectedTargets");
        }
        if (protectsUnits()) {
            for (String ancestor : org.ancestors(account.value())) {
                if (guardrails.protectedTargets().contains(ancestor) && !ancestor.startsWith("r-")) {
                    return Optional.of("account " + account + " is below " + ancestor + ", listed in protectedTargets");
                }
            }
        }
        return Optional.empty();
    }

    private Optional<String> protectedUnit(String ou, OrganizationFacts org) {
        if (guardrails.protectedTargets().contains(ou)) {
            return Optional.of("OU " + ou + " is listed in protectedTargets");
        }
        if (protectsUnits()) {
            for (String ancestor : org.ancestors(ou)) {
                if (guardrails.protectedTargets().contains(ancestor) && !ancestor.startsWith("r-")) {
                    return Optional.of("OU " + ou + " is below " + ancestor + ", listed in protectedTargets");
                }
            }
        }
        return Optional.empty();
    }

    /** Only a protected OU makes the ancestors worth reading (a protected root forbids root targets, not accounts). */
    private boolean protectsUnits() {
        return guardrails.protectedTargets().stream().anyMatch(t -> t.startsWith("ou-"));
    }

    private void inlineActions(String document, List<Problem> problems) {
        JsonNode statements;
        try {
            statements = JSON.readTree(document).path("Statement");
        } catch (JsonProcessingException e) {
            return; // the parser has refused it already
        }
        List<JsonNode> list = new ArrayList<>();
        if (statements.isArray()) {
            statements.forEach(list::add);
        } else {
            list.add(statements);
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode st = list.get(i);
            if (!"Allow".equals(st.path("Effect").asText())) {
                continue;
            }
            boolean everyResource = st.has("NotResource") || strings(st.get("Resource")).stream().anyMatch(Wildcards::hasWildcard);
            Set<String> refused = new LinkedHashSet<>();
            for (ForbiddenAction forbidden : guardrails.forbiddenActions()) {
                if (forbidden.onEveryResourceOnly() && !everyResource) {
                    continue;
                }
                if (st.has("NotAction")) {
                    List<String> excluded = strings(st.get("NotAction"));
                    if (excluded.stream().noneMatch(n -> covers(n, forbidden.action()))) {
                        refused.add("NotAction " + excluded + " allows " + forbidden);
                    }
                } else {
                    for (String action : strings(st.get("Action"))) {
                        if (Wildcards.overlap(action, forbidden.action())) {
                            refused.add(action + " matches " + forbidden);
                        }
                    }
                }
            }
            if (!refused.isEmpty()) {
                problems.add(new Problem("inlinePolicy.Statement[" + i + "]", "guardrail forbiddenActions: the Allow grants what is"
                        + " forbidden: " + String.join("; ", refused)
                        + (everyResource ? " (on every resource: a wildcard or NotResource)" : "")));
            }
        }
    }

    /** A NotAction entry that certainly excludes every action of the forbidden pattern. */
    private static boolean covers(String excluded, String forbidden) {
        if (excluded.equals("*") || excluded.equalsIgnoreCase(forbidden)) {
            return true;
        }
        int colon = forbidden.indexOf(':');
        return colon > 0 && excluded.equalsIgnoreCase(forbidden.substring(0, colon) + ":*");
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (node.isTextual()) {
            out.add(node.asText());
        } else {
            node.forEach(n -> out.add(n.asText()));
        }
        return out;
    }
}
