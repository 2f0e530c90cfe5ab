package io.crossrole.guardrail;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WildcardsTest {

    @ParameterizedTest(name = "{0} overlaps {1}: {2}")
    @CsvSource({
            "iam:CreateRole, iam:Create*, true",
            "iam:Cr*, iam:Create*, true",
            "iam:*, iam:PassRole, true",
            "*, organizations:*, true",
            "IAM:passrole, iam:PassRole, true",
            "iam:Pass?ole, iam:PassRole, true",
            "iam:Get*, iam:Create*, false",
            "s3:*, iam:*, false",
            "iam:*Role, iam:Create*, true",
            "iam:Delete*, iam:Delete*PermissionsBoundary, true",
            "iam:DeleteRole, iam:Delete*PermissionsBoundary, false",
            "a*b, a*c, false",
            "*x*, *y*, true",
            "iam:List*, iam:Put*, false"
    })
    void overlap_isTrueExactlyWhenOneActionMatchesBoth(String a, String b, boolean expected) {
        assertThat(Wildcards.overlap(a, b)).isEqualTo(expected);
        assertThat(Wildcards.overlap(b, a)).as("symmetric").isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
            "arn:*:iam::aws:policy/AdministratorAccess, arn:aws:iam::aws:policy/AdministratorAccess, true",
            "arn:*:iam::aws:policy/AdministratorAccess, arn:aws-cn:iam::aws:policy/AdministratorAccess, true",
            "arn:*:iam::aws:policy/AdministratorAccess, arn:aws:iam::aws:policy/AdministratorAccess-Amplify, false",
            "arn:*:iam::aws:policy/AdministratorAccess, arn:aws:iam::111111111111:policy/AdministratorAccess, false",
            "arn:*:iam::*:policy/Admin*, arn:aws:iam::111111111111:policy/AdminEverything, true"
    })
    void matches_comparesAPatternWithAText(String pattern, String text, boolean expected) {
        assertThat(Wildcards.matches(pattern, text)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "the text {1} is literal")
    @CsvSource({"iam:Create?, iam:Create*", "a, *"})
    void matches_treatsTheTextsWildcardsAsPlainCharacters(String pattern, String text) {
        assertThat(Wildcards.matches(pattern, text)).isEqualTo(pattern.equals("iam:Create?"));
    }
}
