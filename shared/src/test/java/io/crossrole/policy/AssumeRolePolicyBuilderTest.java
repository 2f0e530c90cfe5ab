package io.crossrole.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.crossrole.grant.Grant;
import io.crossrole.grant.GrantImages;
import io.crossrole.grant.GrantParser;
import io.crossrole.grant.Limits;
import io.crossrole.model.Partition;
import io.crossrole.policy.AssumeRolePolicyBuilder.RoleScope;
import java.util.List;
import org.junit.jupiter.api.Test;

class AssumeRolePolicyBuilderTest {
    private static final GrantParser PARSER = new GrantParser(Partition.AWS, Limits.DEFAULT, "/crossrole-managed/");
    private static final String ORG = "o-abc123defg";
    private static final String APP = "arn:aws:iam::111111111111:role/crossrole-managed/UpdateApp";
    private static final String OPS = "arn:aws:iam::012345678901:role/crossrole-managed/UpdateApp";

    private static Grant grant(String targets) {
        return PARSER.parse(GrantImages.fromJson("""
                {"grantId": "prod-updateapp", "roleName": "UpdateApp", "targets": %s,
                 "trustedPrincipals": ["222222222222"], "granteeAttach": ["arn:aws:iam::222222222222:group/Developers"]}"""
                .formatted(targets))).grant().orElseThrow();
    }

    private static void assertSameDocument(String actual, String expected) {
        assertThat(PolicyJson.tree(actual)).isEqualTo(PolicyJson.tree(expected));
    }

    @Test
    void allow_whenAccountTargets_namesExactlyTheirRolesTaggedWithTheGrantInTheOrganization() {
        RoleScope scope = RoleScope.of(grant("[\"111111111111\", \"012345678901\"]"), Partition.AWS, ORG);

        assertSameDocument(AssumeRolePolicyBuilder.allow(scope).toJson(), """
                {"Version": "2012-10-17",
                 "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
                               "Resource": ["%s", "%s"],
                               "Condition": {"StringEquals": {"aws:ResourceTag/crossrole:grant-id": "prod-updateapp",
                                                              "aws:ResourceOrgID": "o-abc123defg"}}}}""".formatted(OPS, APP));
    }

    @Test
    void allow_whenRootTarget_namesTheRoleAcrossAccountsScopedByTagAndOrganization() {
        RoleScope scope = RoleScope.of(grant("[\"r-ab12\"]"), Partition.AWS, ORG);

        JsonNode statement = PolicyJson.tree(AssumeRolePolicyBuilder.allow(scope).toJson()).path("Statement").get(0);

        assertThat(statement.path("Resource")).extracting(JsonNode::asText).containsExactly("arn:aws:iam::*:role/crossrole-managed/UpdateApp");
        assertThat(statement.path("Condition").path("StringEquals").path("aws:ResourceTag/crossrole:grant-id"))
                .extracting(JsonNode::asText).containsExactly("prod-updateapp");
        assertThat(statement.path("Condition").path("StringEquals").path("aws:ResourceOrgID")).extracting(JsonNode::asText)
                .containsExactly(ORG);
    }

    @Test
    void allow_whenAnOuAmongAccountTargets_usesTheAcrossAccountsForm() {
        RoleScope scope = RoleScope.of(grant("[\"111111111111\", \"ou-ab12-cdefgh34\"]"), Partition.AWS, ORG);

        assertThat(scope.resources()).containsExactly("arn:aws:iam::*:role/crossrole-managed/UpdateApp");
    }

    @Test
    void allow_whenThousandsOfAccounts_documentSizeDoesNotGrowWithTheOrganization() {
        String root = AssumeRolePolicyBuilder.allow(RoleScope.of(grant("[\"r-ab12\"]"), Partition.AWS, ORG)).toJson();
        String ou = AssumeRolePolicyBuilder.allow(RoleScope.of(grant("[\"ou-ab12-cdefgh34\", \"ou-ab12-zzzzzz99\"]"), Partition.AWS, ORG))
                .toJson();

        assertThat(PolicyDocuments.sizeWithoutWhitespace(root)).isLessThan(AssumeRolePolicyBuilder.USER_QUOTA / 4);
        assertThat(PolicyDocuments.sizeWithoutWhitespace(ou)).isEqualTo(PolicyDocuments.sizeWithoutWhitespace(root));
    }

    @Test
    void allowAndDenyGuard_whenSameScope_differOnlyInEffect() {
        RoleScope scope = RoleScope.of(grant("[\"111111111111\", \"012345678901\"]"), Partition.AWS, ORG);
        String allow = AssumeRolePolicyBuilder.allow(scope).toJson();
        String deny = AssumeRolePolicyBuilder.denyGuard(scope).toJson();

        assertThat(deny).isNotEqualTo(allow);
        assertThat(deny.replace("\"Deny\"", "\"Allow\"")).isEqualTo(allow);
    }

    @Test
    void roleScope_whenRoleArnHasAWildcardNameOrPath_throwsNamingIt() {
        assertThatThrownBy(() -> new RoleScope(List.of(APP, "arn:aws:iam::111111111111:role/*"), "g", ORG))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("role ARNs must name the role exactly (only the account may be *): [arn:aws:iam::111111111111:role/*]");
        assertThatThrownBy(() -> new RoleScope(List.of("arn:aws:iam::*:role/cross*/UpdateApp"), "g", ORG))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RoleScope(List.of("*"), "g", ORG)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void roleScope_whenNoRoles_throws() {
        assertThatThrownBy(() -> new RoleScope(List.of(), "g", ORG))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name at least one role ARN");
    }

    @Test
    void roleScope_whenRolesRepeat_listsEachOnceSorted() {
        assertThat(new RoleScope(List.of(APP, OPS, APP), "g", ORG).resources()).containsExactly(OPS, APP);
    }

    @Test
    void inlineQuota_isIamsPerTypeQuota() {
        assertThat(AssumeRolePolicyBuilder.inlineQuota("group")).isEqualTo(5120);
        assertThat(AssumeRolePolicyBuilder.inlineQuota("user")).isEqualTo(2048);
        assertThat(AssumeRolePolicyBuilder.inlineQuota("role")).isEqualTo(10240);
    }
}
