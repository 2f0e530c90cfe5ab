package io.crossrole.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crossrole.grant.Limits;
import io.crossrole.model.Partition;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CrossroleConfigTest {

    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put("GRANTS_TABLE", "crossrole-grants");
        env.put("ASSIGNMENTS_TABLE", "crossrole-assignments");
        env.put("GRANT_TARGETS_TABLE", "crossrole-grant-targets");
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    void from_whenOnlyTablesAreSet_usesDefaults() {
        CrossroleConfig config = CrossroleConfig.from(env());

        assertThat(config.grantsTable()).isEqualTo("crossrole-grants");
        assertThat(config.assignmentsTable()).isEqualTo("crossrole-assignments");
        assertThat(config.hubRoleArn()).isEmpty();
        assertThat(config.memberRoleName()).isEqualTo("OrganizationAccountAccessRole");
        assertThat(config.limits()).isEqualTo(new Limits(2048, 10240, 10)).isEqualTo(Limits.DEFAULT);
        assertThat(config.region()).isEqualTo("us-east-1");
        assertThat(config.partition()).isEqualTo(Partition.AWS);
        assertThat(config.endpointOverride()).isEmpty();
        assertThat(config.assumeRoleRetry()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void from_whenHubRoleArnIsEmpty_hasNoHub() {
        assertThat(CrossroleConfig.from(env("HUB_ROLE_ARN", "")).hubRoleArn()).isEmpty();
        assertThat(CrossroleConfig.from(env("HUB_ROLE_ARN", "   ")).hubRoleArn()).isEmpty();
    }

    @Test
    void from_whenHubRoleArnIsValid_keepsIt() {
        CrossroleConfig config = CrossroleConfig.from(env("HUB_ROLE_ARN", "arn:aws:iam::012345678901:role/crossrole/Hub"));

        assertThat(config.hubRoleArn()).contains("arn:aws:iam::012345678901:role/crossrole/Hub");
    }

    @Test
    void from_whenRegionIsChina_usesTheChinaPartition() {
        CrossroleConfig config = CrossroleConfig.from(env("AWS_REGION", "cn-north-1"));

        assertThat(config.region()).isEqualTo("cn-north-1");
        assertThat(config.partition()).isEqualTo(Partition.AWS_CN);
    }

    @Test
    void from_whenOnlyDefaultRegionIsSet_usesIt() {
        CrossroleConfig config = CrossroleConfig.from(env("AWS_DEFAULT_REGION", "us-gov-west-1"));

        assertThat(config.region()).isEqualTo("us-gov-west-1");
        assertThat(config.partition()).isEqualTo(Partition.AWS_US_GOV);
    }

    @Test
    void from_whenEverythingIsSet_readsEveryVariable() {
        CrossroleConfig config = CrossroleConfig.from(env(
                "HUB_ROLE_ARN", "arn:aws:iam::111111111111:role/Hub",
                "MEMBER_ROLE_NAME", "AWSControlTowerExecution",
                "TRUST_POLICY_MAX_CHARS", "4096",
                "INLINE_POLICIES_MAX_CHARS", " 10240 ",
                "MANAGED_POLICIES_MAX", "20",
                "ASSUME_ROLE_RETRY_SECONDS", "0",
                "AWS_REGION", "eu-west-1",
                "AWS_ENDPOINT_URL", "http://localhost:4566"));

        assertThat(config.memberRoleName()).isEqualTo("AWSControlTowerExecution");
        assertThat(config.limits()).isEqualTo(new Limits(4096, 10240, 20));
        assertThat(config.assumeRoleRetry()).isEqualTo(Duration.ZERO);
        assertThat(config.region()).isEqualTo("eu-west-1");
        assertThat(config.partition()).isEqualTo(Partition.AWS);
        assertThat(config.endpointOverride()).contains(URI.create("http://localhost:4566"));
    }

    @Test
    void from_whenTablesMissingAndValuesMalformed_reportsEveryVariableInOneMessage() {
        Map<String, String> env = new HashMap<>();
        env.put("ASSIGNMENTS_TABLE", " ");
        env.put("HUB_ROLE_ARN", "arn:aws:iam::111111111111:user/Hub");
        env.put("MEMBER_ROLE_NAME", "Org Access");
        env.put("TRUST_POLICY_MAX_CHARS", "lots");
        env.put("ASSUME_ROLE_RETRY_SECONDS", "-5");

        assertThatThrownBy(() -> CrossroleConfig.from(env))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Crossrole configuration: GRANTS_TABLE is not set. ASSIGNMENTS_TABLE is not set. "
                        + "GRANT_TARGETS_TABLE is not set. "
                        + "HUB_ROLE_ARN must be a role ARN, got 'arn:aws:iam::111111111111:user/Hub'. "
                        + "MEMBER_ROLE_NAME must be a role name, got 'Org Access'. "
                        + "TRUST_POLICY_MAX_CHARS must be a whole number of at least 1, got 'lots'. "
                        + "ASSUME_ROLE_RETRY_SECONDS must be a whole number of at least 0, got '-5'.");
    }

    @Test
    void from_whenManagedPoliciesMaxIsMalformed_namesIt() {
        assertThatThrownBy(() -> CrossroleConfig.from(env("MANAGED_POLICIES_MAX", "ten")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Crossrole configuration: MANAGED_POLICIES_MAX must be a whole number of at least 1, got 'ten'.");
    }

    @Test
    void from_whenHubRoleArnIsNotAnArn_namesIt() {
        assertThatThrownBy(() -> CrossroleConfig.from(env("HUB_ROLE_ARN", "Hub")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Crossrole configuration: HUB_ROLE_ARN must be a role ARN, got 'Hub'.");
    }

    @Test
    void from_whenNothingIsSet_namesEveryTable() {
        assertThatThrownBy(() -> CrossroleConfig.from(Map.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Crossrole configuration: GRANTS_TABLE is not set. ASSIGNMENTS_TABLE is not set. "
                        + "GRANT_TARGETS_TABLE is not set.");
    }

    @Test
    void from_whenSeveralLimitsAreBad_namesEachOfThem() {
        assertThatThrownBy(() -> CrossroleConfig.from(env("TRUST_POLICY_MAX_CHARS", "x", "MANAGED_POLICIES_MAX", "0")))
                .hasMessage("Crossrole configuration: TRUST_POLICY_MAX_CHARS must be a whole number of at least 1, got 'x'. "
                        + "MANAGED_POLICIES_MAX must be a whole number of at least 1, got '0'.");
    }

    @Test
    void from_whenEndpointIsNotAUrl_reportsItWithTheOtherProblems() {
        assertThatThrownBy(() -> CrossroleConfig.from(env("AWS_ENDPOINT_URL", "http://local host:4566", "MEMBER_ROLE_NAME", "a b")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("MEMBER_ROLE_NAME must be a role name")
                .hasMessageContaining("AWS_ENDPOINT_URL is not a URL");
    }

    @Test
    void from_whenGuardrailsAndManagedPathAreUnset_usesTheSafeDefaults() {
        CrossroleConfig config = CrossroleConfig.from(env());

        assertThat(config.guardrails()).isEqualTo(io.crossrole.guardrail.Guardrails.DEFAULT);
        assertThat(config.managedRolePath()).isEqualTo("/crossrole-managed/");
        assertThat(config.crossroleAccountId()).isEmpty();
    }

    @Test
    void from_whenGuardrailsManagedPathAndAccountAreMalformed_namesEachVariable() {
        assertThatThrownBy(() -> CrossroleConfig.from(env("CROSSROLE_GUARDRAILS", "{\"allowEverything\": true}",
                "MANAGED_ROLE_PATH", "/team*/", "CROSSROLE_ACCOUNT_ID", "123")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CROSSROLE_GUARDRAILS: guardrails: unknown key 'allowEverything'")
                .hasMessageContaining("MANAGED_ROLE_PATH must be / or /a/b/")
                .hasMessageContaining("CROSSROLE_ACCOUNT_ID must be a 12-digit account ID, got '123'");
    }
}
