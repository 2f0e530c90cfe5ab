package io.crossrole.guardrail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class GuardrailsTest {

    @Test
    void parse_whenBlank_isEveryDefault() {
        assertThat(Guardrails.parse("")).isEqualTo(Guardrails.DEFAULT);
        assertThat(Guardrails.parse("{}")).isEqualTo(Guardrails.DEFAULT);
    }

    @Test
    void defaults_areTheSafeOnes() {
        Guardrails g = Guardrails.DEFAULT;

        assertThat(g.trustedExternalAccounts()).isEmpty();
        assertThat(g.externalAccountsRequireExternalId()).isTrue();
        assertThat(g.forbiddenManagedPolicies()).contains("arn:*:iam::aws:policy/AdministratorAccess",
                "arn:*:iam::aws:policy/IAMFullAccess", "arn:*:iam::aws:policy/PowerUserAccess",
                "arn:*:iam::aws:policy/AWSOrganizationsFullAccess");
        assertThat(g.forbiddenActions()).extracting(ForbiddenAction::toString).contains("iam:PassRole on *",
                "iam:Create* on *", "iam:Put* on *", "iam:Attach* on *", "sts:AssumeRole on *", "organizations:*");
        assertThat(g.requiredPermissionsBoundary()).isEmpty();
        assertThat(g.allowManagementAccount()).isFalse();
        assertThat(g.maxSessionDurationCap()).isEqualTo(43200);
    }

    @Test
    void parse_readsEveryKey() {
        Guardrails g = Guardrails.parse("""
                {"trustedExternalAccounts": ["444455556666"], "externalAccountsRequireExternalId": false,
                 "forbiddenManagedPolicies": ["arn:*:iam::aws:policy/AdministratorAccess"],
                 "forbiddenActions": ["iam:*", "s3:DeleteBucket on *"],
                 "requiredPermissionsBoundary": "arn:aws:iam::${AccountId}:policy/CrossroleBoundary",
                 "protectedTargets": ["ou-ab12-cdef3456", "111111111111"], "allowManagementAccount": true,
                 "maxSessionDurationCap": 7200}""");

        assertThat(g.trustedExternalAccounts()).containsExactly("444455556666");
        assertThat(g.externalAccountsRequireExternalId()).isFalse();
        assertThat(g.forbiddenManagedPolicies()).containsExactly("arn:*:iam::aws:policy/AdministratorAccess");
        assertThat(g.forbiddenActions()).containsExactly(new ForbiddenAction("iam:*", false), new ForbiddenAction("s3:DeleteBucket", true));
        assertThat(g.requiredPermissionsBoundary()).isEqualTo(Optional.of("arn:aws:iam::${AccountId}:policy/CrossroleBoundary"));
        assertThat(g.protectedTargets()).containsExactly("ou-ab12-cdef3456", "111111111111");
        assertThat(g.allowManagementAccount()).isTrue();
        assertThat(g.maxSessionDurationCap()).isEqualTo(7200);
        assertThat(Guardrails.parse(g.toJson())).as("toJson reads back").isEqualTo(g);
    }

    @Test
    void parse_whenKeysAreUnknownOrMalformed_namesEveryProblem() {
        assertThatThrownBy(() -> Guardrails.parse("""
                {"trustedExternalAccount": ["444455556666"], "trustedExternalAccounts": ["4444"],
                 "forbiddenActions": ["PassRole"], "maxSessionDurationCap": 99999, "allowManagementAccount": "yes",
                 "requiredPermissionsBoundary": "arn:aws:iam::aws:policy/*", "protectedTargets": ["prod"]}"""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown key 'trustedExternalAccount'")
                .hasMessageContaining("'4444' is not a 12-digit account ID or *")
                .hasMessageContaining("'PassRole' is not an action pattern")
                .hasMessageContaining("maxSessionDurationCap must be a whole number of seconds from 3600 to 43200, got 99999")
                .hasMessageContaining("allowManagementAccount must be true or false")
                .hasMessageContaining("requiredPermissionsBoundary must be a managed policy ARN")
                .hasMessageContaining("'prod' is not an account ID, an OU ID");
    }

    @Test
    void parse_whenNotAnObject_saysSo() {
        assertThatThrownBy(() -> Guardrails.parse("[1]")).hasMessageContaining("must be a JSON object");
        assertThatThrownBy(() -> Guardrails.parse("{")).hasMessageContaining("not valid JSON");
    }
}
