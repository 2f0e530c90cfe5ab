package io.crossrole.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PolicyDocumentsTest {

    private static final String POLICY = """
            {"Version": "2012-10-17",
             "Statement": [
               {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": ["arn:aws:s3:::productionapp", "arn:aws:s3:::productionapp/*"],
                "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}},
               {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
             ]}""";

    private static final String TRUST = """
            {"Version": "2012-10-17",
             "Statement": {"Effect": "Allow",
                           "Principal": {"AWS": ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:role/Deployer"]},
                           "Action": "sts:AssumeRole",
                           "Condition": {"StringEquals": {"sts:ExternalId": "abc-123"},
                                         "Bool": {"aws:MultiFactorAuthPresent": "true"}}}}""";

    @Test
    void equivalent_whenUrlEncodedAsIamReturnsIt_isEquivalentToPlain() {
        String encoded = URLEncoder.encode(POLICY, StandardCharsets.UTF_8);
        assertThat(encoded).startsWith("%7B");

        assertThat(PolicyDocuments.equivalent(encoded, POLICY)).isTrue();
        assertThat(PolicyDocuments.equivalent(POLICY, encoded)).isTrue();
        assertThat(PolicyDocuments.canonical(encoded)).isEqualTo(PolicyDocuments.canonical(POLICY));
    }

    @Test
    void equivalent_whenUrlEncodedWithPercent20AndLowerCaseHex_isEquivalentToPlain() {
        String encoded = URLEncoder.encode(TRUST, StandardCharsets.UTF_8).replace("+", "%20").replace("%7B", "%7b");
        assertThat(encoded).startsWith("%7b").doesNotContain("+");

        assertThat(PolicyDocuments.equivalent(encoded, TRUST)).isTrue();
    }

    @Test
    void equivalent_whenActionsResourcesAndStatementsAreReordered_isEquivalent() {
        String reordered = """
                {"Statement": [
                   {"Resource": "*", "Action": "s3:DeleteObject", "Effect": "Deny", "Sid": "NoDelete"},
                   {"Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
                    "Resource": ["arn:aws:s3:::productionapp/*", "arn:aws:s3:::productionapp"],
                    "Action": ["s3:ListBucket", "s3:GetObject"], "Effect": "Allow", "Sid": "Read"}],
                 "Version": "2012-10-17"}""";

        assertThat(PolicyDocuments.equivalent(reordered, POLICY)).isTrue();
    }

    @Test
    void equivalent_whenPrincipalsAndConditionsAreReordered_isEquivalent() {
        String reordered = """
                {"Version": "2012-10-17",
                 "Statement": [{"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"},
                                              "StringEquals": {"sts:ExternalId": "abc-123"}},
                                "Action": ["sts:AssumeRole"],
                                "Principal": {"AWS": ["arn:aws:iam::333333333333:role/Deployer", "arn:aws:iam::222222222222:root"]},
                                "Effect": "Allow"}]}""";

        assertThat(PolicyDocuments.equivalent(reordered, TRUST)).isTrue();
    }

    @Test
    void equivalent_whenScalarVersusOneElementList_isEquivalent() {
        String scalar = """
                {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                 "Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}}""";
        String lists = """
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::222222222222:root"]},
                 "Action": ["sts:AssumeRole"], "Condition": {"Bool": {"aws:MultiFactorAuthPresent": ["true"]}}}]}""";

        assertThat(PolicyDocuments.equivalent(scalar, lists)).isTrue();
    }

    @Test
    void equivalent_whenDuplicatedListItems_isEquivalent() {
        String duplicated = POLICY.replace("[\"s3:GetObject\", \"s3:ListBucket\"]", "[\"s3:GetObject\", \"s3:ListBucket\", \"s3:GetObject\"]");
        assertThat(duplicated).isNotEqualTo(POLICY);

        assertThat(PolicyDocuments.equivalent(duplicated, POLICY)).isTrue();
    }

    @Test
    void equivalent_whenSameDocument_isEquivalentToItself() {
        assertThat(PolicyDocuments.equivalent(POLICY, POLICY)).isTrue();
        assertThat(PolicyDocuments.equivalent(TRUST, TRUST)).isTrue();
    }

    @Test
    void equivalent_whenAnActionChanges_isNotEquivalent() {
        assertNotEquivalentAfter(POLICY, "\"s3:ListBucket\"", "\"s3:ListAllMyBuckets\"");
    }

    @Test
    void equivalent_whenAnActionIsRemoved_isNotEquivalent() {
        assertNotEquivalentAfter(POLICY, "[\"s3:GetObject\", \"s3:ListBucket\"]", "[\"s3:GetObject\"]");
    }

    @Test
    void equivalent_whenAResourceChanges_isNotEquivalent() {
        assertNotEquivalentAfter(POLICY, "\"arn:aws:s3:::productionapp/*\"", "\"arn:aws:s3:::testapp/*\"");
    }

    @Test
    void equivalent_whenTheEffectChanges_isNotEquivalent() {
        assertNotEquivalentAfter(POLICY, "\"Deny\"", "\"Allow\"");
    }

    @Test
    void equivalent_whenAConditionValueChanges_isNotEquivalent() {
        assertNotEquivalentAfter(TRUST, "\"abc-123\"", "\"abc-124\"");
    }

    @Test
    void equivalent_whenAConditionIsRemoved_isNotEquivalent() {
        assertNotEquivalentAfter(TRUST, ",\n                             \"Bool\": {\"aws:MultiFactorAuthPresent\": \"true\"}", "");
    }

    @Test
    void equivalent_whenAConditionOperatorChanges_isNotEquivalent() {
        assertNotEquivalentAfter(TRUST, "\"StringEquals\"", "\"StringLike\"");
    }

    @Test
    void equivalent_whenAPrincipalChanges_isNotEquivalent() {
        assertNotEquivalentAfter(TRUST, "arn:aws:iam::222222222222:root", "arn:aws:iam::444444444444:root");
    }

    @Test
    void equivalent_whenAStatementIsRemoved_isNotEquivalent() {
        assertNotEquivalentAfter(POLICY, ",\n   {\"Sid\": \"NoDelete\", \"Effect\": \"Deny\", \"Action\": \"s3:DeleteObject\", \"Resource\": \"*\"}", "");
    }

    @Test
    void equivalent_whenOneSideIsNull_isFalseAndBothNullIsTrue() {
        assertThat(PolicyDocuments.equivalent(null, POLICY)).isFalse();
        assertThat(PolicyDocuments.equivalent(POLICY, null)).isFalse();
        assertThat(PolicyDocuments.equivalent(null, null)).isTrue();
    }

    @Test
    void sizeWithoutWhitespace_ignoresSpacesTabsAndNewlines() {
        assertThat(PolicyDocuments.sizeWithoutWhitespace("{\"a\":1}")).isEqualTo(7);
        assertThat(PolicyDocuments.sizeWithoutWhitespace(" {\n\t\"a\" :\r\n 1 }\n")).isEqualTo(7);
        assertThat(PolicyDocuments.sizeWithoutWhitespace("")).isZero();
        assertThat(PolicyDocuments.sizeWithoutWhitespace(POLICY))
                .isEqualTo(POLICY.replaceAll("\\s", "").length())
                .isLessThan(POLICY.length());
    }

    private static void assertNotEquivalentAfter(String document, String from, String to) {
        assertThat(document).as("the test's edit must apply").contains(from);
        String changed = document.replace(from, to);
        assertThat(PolicyDocuments.equivalent(document, changed)).isFalse();
        assertThat(PolicyDocuments.equivalent(changed, document)).isFalse();
        assertThat(PolicyDocuments.equivalent(URLEncoder.encode(changed, StandardCharsets.UTF_8), document)).isFalse();
    }
}
