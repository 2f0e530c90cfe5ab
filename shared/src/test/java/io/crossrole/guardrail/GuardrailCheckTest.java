package io.crossrole.guardrail;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.grant.Grant;
import io.crossrole.grant.Problem;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.Partition;
import io.crossrole.model.Principal;
import io.crossrole.model.Target;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GuardrailCheckTest {
    private static final AccountId MANAGEMENT = AccountId.of("123456789012");
    private static final AccountId DELEGATED = AccountId.of("999999999999");
    private static final AccountId PROD = AccountId.of("111111111111");
    private static final AccountId DEV = AccountId.of("222222222222");
    private static final AccountId SANDBOX = AccountId.of("333333333333");
    private static final String OUTSIDER = "444455556666";

    /** An organization: management, Crossrole's delegated account, prod and dev under ou-root-prod, sandbox under ou-sandbox. */
    private static final OrganizationFacts ORG = new OrganizationFacts() {
        @Override
        public AccountId management() {
            return MANAGEMENT;
        }

        @Override
        public AccountId ownAccount() {
            return DELEGATED;
        }

        @Override
        public boolean isMember(AccountId account) {
            return Set.of(MANAGEMENT, DELEGATED, PROD, DEV, SANDBOX).contains(account);
        }

        @Override
        public List<String> ancestors(String id) {
            return Map.of(PROD.value(), List.of("ou-ab12-prod0000", "r-ab12"), DEV.value(), List.of("ou-ab12-prod0000", "r-ab12"),
                    SANDBOX.value(), List.of("ou-ab12-sandbox0", "r-ab12"), "ou-ab12-child000", List.of("ou-ab12-sandbox0", "r-ab12"))
                    .getOrDefault(id, List.of("r-ab12"));
        }
    };

    private static Grant.Builder grant() {
        return Grant.builder().grantId("g").roleName("R").rolePath("/crossrole-managed/")
                .addTarget(Target.parse(PROD.value())).addTrustedPrincipal(Principal.parse(DEV.value(), Partition.AWS));
    }

    private static List<String> document(Guardrails guardrails, Grant grant) {
        return new GuardrailCheck(guardrails).document(grant).problems().stream().map(Problem::toString).toList();
    }

    private static List<String> organization(Guardrails guardrails, Grant grant) {
        return new GuardrailCheck(guardrails).organization(grant, ORG).stream().map(Problem::toString).toList();
    }

    private static Grant inline(String action, String resource) {
        return grant().inlinePolicy("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"" + action
                + "\",\"Resource\":\"" + resource + "\"}]}").build();
    }

    @Test
    void document_whenTheGrantAsksForAdministratorAccess_refusesItNamingTheGuardrail() {
        List<String> problems = document(Guardrails.DEFAULT, grant()
                .addManagedPolicyArn("arn:aws:iam::aws:policy/ReadOnlyAccess")
                .addManagedPolicyArn("arn:aws:iam::aws:policy/AdministratorAccess").build());

        assertThat(problems).containsExactly("managedPolicyArns[1]: guardrail forbiddenManagedPolicies: "
                + "arn:aws:iam::aws:policy/AdministratorAccess is forbidden (it matches arn:*:iam::aws:policy/AdministratorAccess)");
    }

    @ParameterizedTest(name = "{0} on *")
    @ValueSource(strings = {"*", "iam:*", "iam:PassRole", "iam:PutRolePolicy", "iam:Cr*", "iam:AttachUserPolicy",
            "sts:AssumeRole", "organizations:ListAccounts", "iam:UpdateAssumeRolePolicy", "iam:DeleteRolePermissionsBoundary"})
    void document_whenAnInlineAllowGrantsAnEscalationOnEveryResource_refusesIt(String action) {
        List<String> problems = document(Guardrails.DEFAULT, inline(action, "*"));

        assertThat(problems).singleElement().asString().startsWith("inlinePolicy.Statement[0]: guardrail forbiddenActions: ")
                .contains(action);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"s3:GetObject", "s3:*", "ec2:Describe*", "iam:Get*", "iam:List*", "sts:GetCallerIdentity"})
    void document_whenAnInlineAllowGrantsNoEscalation_acceptsIt(String action) {
        assertThat(document(Guardrails.DEFAULT, inline(action, "*"))).isEmpty();
    }

    @Test
    void document_whenAnEscalationIsOnOneExactResource_acceptsIt_butNotOnAWildcardResource() {
        assertThat(document(Guardrails.DEFAULT, inline("iam:PassRole", "arn:aws:iam::111111111111:role/app"))).isEmpty();
        assertThat(document(Guardrails.DEFAULT, inline("iam:PassRole", "arn:aws:iam::111111111111:role/app-*"))).hasSize(1);
        assertThat(document(Guardrails.DEFAULT, inline("organizations:ListAccounts", "arn:aws:organizations::1:account/x")))
                .as("organizations:* is forbidden whatever the resource").hasSize(1);
    }

    @Test
    void document_whenNotActionLeavesAnEscalationAllowed_refusesIt_butNotWhenItExcludesIt() {
        Grant everythingButS3 = grant().inlinePolicy("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"NotAction\":\"s3:*\",\"Resource\":\"*\"}]}").build();
        Guardrails onlyIam = Guardrails.parse("{\"forbiddenActions\": [\"iam:*\"]}");
        Grant everythingButIam = grant().inlinePolicy("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"NotAction\":\"iam:*\",\"Resource\":\"*\"}]}").build();

        assertThat(document(Guardrails.DEFAULT, everythingButS3)).singleElement().asString().contains("NotAction [s3:*] allows");
        assertThat(document(onlyIam, everythingButIam)).isEmpty();
    }

    @Test
    void document_ignoresDenyStatements() {
        Grant deny = grant().inlinePolicy("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\","
                + "\"Resource\":\"*\"}]}").build();

        assertThat(document(Guardrails.DEFAULT, deny)).isEmpty();
    }

    @Test
    void document_whenABoundaryIsRequired_givesItToEveryRoleAndRefusesAnother() {
        Guardrails required = Guardrails.parse("{\"requiredPermissionsBoundary\": \"arn:aws:iam::${AccountId}:policy/Boundary\"}");
        GuardrailCheck check = new GuardrailCheck(required);

        GuardrailCheck.Result none = check.document(grant().build());
        GuardrailCheck.Result other = check.document(grant().permissionsBoundaryArn("arn:aws:iam::aws:policy/ReadOnlyAccess").build());

        assertThat(none.problems()).isEmpty();
        assertThat(none.grant().orElseThrow().permissionsBoundaryArn()).contains("arn:aws:iam::${AccountId}:policy/Boundary");
        assertThat(other.problems()).extracting(Problem::toString).containsExactly("permissionsBoundaryArn: guardrail"
                + " requiredPermissionsBoundary: every role carries arn:aws:iam::${AccountId}:policy/Boundary; a grant may not"
                + " replace it with arn:aws:iam::aws:policy/ReadOnlyAccess (leave permissionsBoundaryArn out)");
    }

    @Test
    void document_whenTheSessionIsLongerThanTheCap_refusesIt() {
        assertThat(document(Guardrails.parse("{\"maxSessionDurationCap\": 7200}"), grant().maxSessionDuration(14400).build()))
                .containsExactly("maxSessionDuration: guardrail maxSessionDurationCap: 14400 seconds is longer than the 7200 allowed");
    }

    @Test
    void organization_whenAPrincipalIsOutsideTheOrganization_refusesItUnlessListed_andThenAsksForAnExternalId() {
        Grant outsider = grant().addTrustedPrincipal(Principal.parse(OUTSIDER, Partition.AWS)).build();
        Guardrails listed = Guardrails.parse("{\"trustedExternalAccounts\": [\"" + OUTSIDER + "\"]}");

        assertThat(organization(Guardrails.DEFAULT, outsider)).containsExactly("trustedPrincipals[1]: guardrail"
                + " trustedExternalAccounts: account 444455556666 is not in this organization and not listed in trustedExternalAccounts");
        assertThat(organization(listed, outsider)).containsExactly("trustedPrincipals[1]: guardrail"
                + " externalAccountsRequireExternalId: account 444455556666 is outside the organization, so the grant needs an"
                + " externalId (the confused-deputy protection)");
        assertThat(organization(listed, grant().addTrustedPrincipal(Principal.parse(OUTSIDER, Partition.AWS))
                .externalId("Unique-3rd-party-ID-12345").build())).isEmpty();
        assertThat(organization(Guardrails.parse("{\"trustedExternalAccounts\": [\"*\"]}"), grant()
                .addTrustedPrincipal(Principal.parse(OUTSIDER, Partition.AWS)).externalId("Unique-3rd-party-ID-12345").build())).isEmpty();
    }

    @Test
    void organization_whenTheGrantTargetsTheManagementOrCrossrolesOwnAccount_refusesIt_unlessTheManagementIsAllowed() {
        Grant management = grant().addTarget(Target.parse(MANAGEMENT.value())).build();
        Grant own = grant().addTarget(Target.parse(DELEGATED.value())).build();

        assertThat(organization(Guardrails.DEFAULT, management)).containsExactly("targets[1]: guardrail protectedTargets:"
                + " 123456789012 is the organization's management account (set allowManagementAccount to lift this)");
        assertThat(organization(Guardrails.DEFAULT, own)).containsExactly("targets[1]: guardrail protectedTargets:"
                + " 999999999999 is the account Crossrole runs in");
        assertThat(organization(Guardrails.parse("{\"allowManagementAccount\": true}"), management)).isEmpty();
    }

    @Test
    void organization_whenATargetIsOrIsBelowAProtectedOu_refusesIt() {
        Guardrails sandboxProtected = Guardrails.parse("{\"protectedTargets\": [\"ou-ab12-sandbox0\"]}");

        assertThat(organization(sandboxProtected, grant().addTarget(Target.parse(SANDBOX.value())).build()))
                .containsExactly("targets[1]: guardrail protectedTargets: account 333333333333 is below ou-ab12-sandbox0,"
                        + " listed in protectedTargets");
        assertThat(organization(sandboxProtected, grant().addTarget(Target.parse("ou-ab12-sandbox0")).build()))
                .containsExactly("targets[1]: guardrail protectedTargets: OU ou-ab12-sandbox0 is listed in protectedTargets");
        assertThat(organization(sandboxProtected, grant().addTarget(Target.parse("ou-ab12-child000")).build()))
                .containsExactly("targets[1]: guardrail protectedTargets: OU ou-ab12-child000 is below ou-ab12-sandbox0,"
                        + " listed in protectedTargets");
        assertThat(organization(sandboxProtected, grant().addTarget(Target.parse("r-ab12")).build()))
                .as("a root target is not refused: the protected accounts are left out of its expansion").isEmpty();
        assertThat(new GuardrailCheck(sandboxProtected).protection(SANDBOX, ORG)).isPresent();
        assertThat(new GuardrailCheck(sandboxProtected).protection(PROD, ORG)).isEmpty();
    }

    @Test
    void organization_whenAGranteeIsInTheManagementAccount_refusesIt() {
        Grant management = grant().addGranteeAttach(Arn.parse("arn:aws:iam::123456789012:group/Admins").orElseThrow()).build();

        assertThat(organization(Guardrails.DEFAULT, management)).singleElement().asString()
                .startsWith("granteeAttach[0]: guardrail protectedTargets: 123456789012 is the organization's management account");
    }
}
