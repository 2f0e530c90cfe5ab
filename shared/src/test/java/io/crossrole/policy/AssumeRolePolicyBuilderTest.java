package io.crossrole.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AssumeRolePolicyBuilderTest {

    private static final String APP = "arn:aws:iam::111111111111:role/UpdateApp";
    private static final String OPS = "arn:aws:iam::012345678901:role/ops/Deployer";

    private static void assertSameDocument(String actual, String expected) {
        assertThat(PolicyJson.tree(actual)).isEqualTo(PolicyJson.tree(expected));
    }

    @Test
    void allow_whenOneRole_allowsAssumeRoleOnExactlyThatRole() {
        assertSameDocument(AssumeRolePolicyBuilder.allow(List.of(APP)).toJson(), """
                {"Version": "2012-10-17",
                 "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
                               "Resource": "arn:aws:iam::111111111111:role/UpdateApp"}}""");
    }

    @Test
    void allow_whenSeveralRoles_listsExactlyThoseRolesSorted() {
        assertSameDocument(AssumeRolePolicyBuilder.allow(List.of(APP, OPS)).toJson(), """
                {"Version": "2012-10-17",
                 "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole"],
                                "Resource": ["arn:aws:iam::012345678901:role/ops/Deployer",
                                             "arn:aws:iam::111111111111:role/UpdateApp"]}]}""");
    }

    @Test
    void allow_whenRolesRepeat_listsEachOnce() {
        assertSameDocument(AssumeRolePolicyBuilder.allow(List.of(APP, APP)).toJson(), """
                {"Version": "2012-10-17",
                 "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
                               "Resource": "arn:aws:iam::111111111111:role/UpdateApp"}}""");
    }

    @Test
    void denyGuard_whenRoles_deniesAssumeRoleOnExactlyThoseRoles() {
        assertSameDocument(AssumeRolePolicyBuilder.denyGuard(Set.of(OPS, APP)).toJson(), """
                {"Version": "2012-10-17",
                 "Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole",
                                "Resource": ["arn:aws:iam::012345678901:role/ops/Deployer",
                                             "arn:aws:iam::111111111111:role/UpdateApp"]}]}""");
    }

    @Test
    void allowAndDenyGuard_whenSameRoles_differOnlyInEffect() {
        String allow = AssumeRolePolicyBuilder.allow(List.of(APP, OPS)).toJson();
        String deny = AssumeRolePolicyBuilder.denyGuard(List.of(APP, OPS)).toJson();

        assertThat(deny).isNotEqualTo(allow);
        assertThat(deny.replace("\"Deny\"", "\"Allow\"")).isEqualTo(allow);
    }

    @Test
    void allow_whenWildcardRoleArn_throwsNamingTheArns() {
        assertThatThrownBy(() -> AssumeRolePolicyBuilder.allow(List.of(APP, "arn:aws:iam::111111111111:role/*")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("role ARNs must be exact, without wildcards: [" + APP + ", arn:aws:iam::111111111111:role/*]");
    }

    @Test
    void denyGuard_whenWildcardRoleArn_throws() {
        assertThatThrownBy(() -> AssumeRolePolicyBuilder.denyGuard(List.of("*")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("role ARNs must be exact, without wildcards");
    }

    @Test
    void allow_whenNoRoles_throws() {
        assertThatThrownBy(() -> AssumeRolePolicyBuilder.allow(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name at least one role ARN");
    }

    @Test
    void denyGuard_whenNoRoles_throws() {
        assertThatThrownBy(() -> AssumeRolePolicyBuilder.denyGuard(Set.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name at least one role ARN");
    }
}
