package io.crossrole.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crossrole.model.Partition;
import io.crossrole.model.Principal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TrustPolicyBuilderTest {

    private static Principal p(String text) {
        return Principal.parse(text, Partition.AWS);
    }

    private static void assertSameDocument(String actual, String expected) {
        assertThat(PolicyJson.tree(actual)).isEqualTo(PolicyJson.tree(expected));
    }

    @Test
    void build_whenOnlyPrincipals_allowsAssumeRoleForThemWithoutConditions() {
        String json = TrustPolicyBuilder.builder()
                .addPrincipal(p("arn:aws:iam::333333333333:role/ops/Deployer"))
                .addPrincipal(p("arn:aws:iam::444444444444:user/alice"))
                .build().toJson();

        assertSameDocument(json, """
                {"Version": "2012-10-17",
                 "Statement": [{"Effect": "Allow",
                                "Principal": {"AWS": ["arn:aws:iam::333333333333:role/ops/Deployer",
                                                      "arn:aws:iam::444444444444:user/alice"]},
                                "Action": "sts:AssumeRole"}]}""");
    }

    @Test
    void build_whenPrincipalIsAnAccountId_trustsTheAccountRootArn() {
        String json = TrustPolicyBuilder.builder().addPrincipal(p("222222222222")).build().toJson();

        assertSameDocument(json, """
                {"Version": "2012-10-17",
                 "Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                               "Action": "sts:AssumeRole"}}""");
    }

    @Test
    void build_whenPrincipalIsAnAccountIdWithLeadingZero_keepsTheZeroInTheRootArn() {
        String json = TrustPolicyBuilder.builder().addPrincipal(p("012345678901")).build().toJson();

        assertSameDocument(json, """
                {"Version": "2012-10-17",
                 "Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::012345678901:root"},
                               "Action": "sts:AssumeRole"}}""");
    }

    @Test
    void build_whenExternalId_addsStringEqualsStsExternalIdCondition() {
        String json = TrustPolicyBuilder.builder()
                .addPrincipal(p("222222222222"))
                .externalId("Unique-3rd-party-ID-12345")
                .build().toJson();

        assertSameDocument(json, """
                {"Version": "2012-10-17",
                 "Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                               "Action": "sts:AssumeRole",
                               "Condition": {"StringEquals": {"sts:ExternalId": "Unique-3rd-party-ID-12345"}}}}""");
    }

    @Test
    void build_whenRequireMfa_addsBoolMultiFactorAuthPresentTrueCondition() {
        String json = TrustPolicyBuilder.builder()
                .addPrincipal(p("222222222222"))
                .requireMfa(true)
                .build().toJson();

        assertSameDocument(json, """
                {"Version": "2012-10-17",
                 "Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                               "Action": "sts:AssumeRole",
                               "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}}""");
    }

    @Test
    void build_whenExternalIdAndMfa_addsBothConditionsToOneStatement() {
        String json = TrustPolicyBuilder.builder()
                .principals(List.of(p("222222222222"), p("arn:aws:iam::333333333333:role/Deployer")))
                .externalId("Unique-3rd-party-ID-12345")
                .requireMfa(true)
                .build().toJson();

        assertSameDocument(json, """
                {"Version": "2012-10-17",
                 "Statement": [{"Effect": "Allow",
                                "Principal": {"AWS": ["arn:aws:iam::222222222222:root",
                                                      "arn:aws:iam::333333333333:role/Deployer"]},
                                "Action": "sts:AssumeRole",
                                "Condition": {"StringEquals": {"sts:ExternalId": "Unique-3rd-party-ID-12345"},
                                              "Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}""");
    }

    @Test
    void build_whenMfaSetThenUnset_hasNoCondition() {
        String json = TrustPolicyBuilder.builder().addPrincipal(p("222222222222")).requireMfa(true).requireMfa(false)
                .externalId(null).build().toJson();

        assertThat(PolicyJson.tree(json).get("Statement").get(0).has("Condition")).isFalse();
    }

    @Test
    void build_whenPrincipalsRepeatOrComeUnordered_listsEachOnceInSortedOrder() {
        String json = TrustPolicyBuilder.builder()
                .addPrincipal(p("arn:aws:iam::444444444444:user/alice"))
                .addPrincipal(p("222222222222"))
                .addPrincipal(p("arn:aws:iam::222222222222:root"))
                .build().toJson();

        assertSameDocument(json, """
                {"Version": "2012-10-17",
                 "Statement": [{"Effect": "Allow",
                                "Principal": {"AWS": ["arn:aws:iam::222222222222:root", "arn:aws:iam::444444444444:user/alice"]},
                                "Action": "sts:AssumeRole"}]}""");
    }

    @Test
    void build_whenOrderOfPrincipalsDiffers_producesTheSameText() {
        String one = TrustPolicyBuilder.builder().addPrincipal(p("333333333333")).addPrincipal(p("222222222222")).build().toJson();
        String two = TrustPolicyBuilder.builder().addPrincipal(p("222222222222")).addPrincipal(p("333333333333")).build().toJson();

        assertThat(one).isEqualTo(two);
    }

    @Test
    void build_whenNoPrincipal_throws() {
        assertThatThrownBy(() -> TrustPolicyBuilder.builder().externalId("abc").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("a trust policy needs at least one principal");
    }

    @Test
    void build_forEveryKindOfPrincipalAndCondition_neverContainsAWildcard() {
        List<String> documents = List.of(
                TrustPolicyBuilder.builder().addPrincipal(p("222222222222")).build().toJson(),
                TrustPolicyBuilder.builder().addPrincipal(p("arn:aws:iam::222222222222:root")).build().toJson(),
                TrustPolicyBuilder.builder().addPrincipal(p("arn:aws:iam::222222222222:role/a/b/Role")).externalId("x-1")
                        .requireMfa(true).build().toJson(),
                TrustPolicyBuilder.builder().addPrincipal(p("arn:aws:iam::222222222222:user/Bob")).build().toJson());

        assertThat(documents).hasSize(4).allSatisfy(doc -> {
            assertThat(doc).contains("sts:AssumeRole").doesNotContain("*");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "arn:aws:iam::*:root", "arn:aws:iam::222222222222:role/*", "arn:aws:iam::222222222222:user/dev*"})
    void principalParse_whenWildcard_isRejectedSoNoTrustPolicyCanHoldIt(String text) {
        assertThatThrownBy(() -> TrustPolicyBuilder.builder().addPrincipal(p(text)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("wildcards are not allowed");
    }

    @Test
    void build_whenPartitionIsChina_usesTheChinaPartitionInArns() {
        String json = TrustPolicyBuilder.builder().addPrincipal(Principal.parse("222222222222", Partition.AWS_CN)).build().toJson();

        assertSameDocument(json, """
                {"Version": "2012-10-17",
                 "Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws-cn:iam::222222222222:root"},
                               "Action": "sts:AssumeRole"}}""");
    }
}
