package io.crossrole.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PrincipalTest {

    @Test
    void parse_whenAccountId_isTheAccountRootInTheOwnerPartition() {
        Principal p = Principal.parse("012345678901", Partition.AWS);

        assertThat(p).isEqualTo(new Principal.AccountRoot(Partition.AWS, AccountId.of("012345678901")));
        assertThat(p.arn()).isEqualTo("arn:aws:iam::012345678901:root");
        assertThat(Principal.parse("012345678901", Partition.AWS_CN).arn()).isEqualTo("arn:aws-cn:iam::012345678901:root");
    }

    @Test
    void parse_whenRootArn_equalsTheBareAccountId() {
        assertThat(Principal.parse("arn:aws:iam::222222222222:root", Partition.AWS))
                .isEqualTo(Principal.parse("222222222222", Partition.AWS));
    }

    @Test
    void parse_whenRoleArnWithPath_keepsPathAndName() {
        Principal p = Principal.parse("arn:aws:iam::333333333333:role/ops/team/Deployer", Partition.AWS);

        assertThat(p).isEqualTo(new Principal.Role(Partition.AWS, AccountId.of("333333333333"), "/ops/team/", "Deployer"));
        assertThat(p.arn()).isEqualTo("arn:aws:iam::333333333333:role/ops/team/Deployer");
        assertThat(p.account()).isEqualTo(AccountId.of("333333333333"));
        assertThat(p.partition()).isEqualTo(Partition.AWS);
    }

    @Test
    void parse_whenUserArn_isAUser() {
        Principal p = Principal.parse("arn:aws-us-gov:iam::444444444444:user/alice", Partition.AWS_US_GOV);

        assertThat(p).isEqualTo(new Principal.User(Partition.AWS_US_GOV, AccountId.of("444444444444"), "/", "alice"));
        assertThat(p.arn()).isEqualTo("arn:aws-us-gov:iam::444444444444:user/alice");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"  "})
    void parse_whenEmpty_throws(String text) {
        assertThatThrownBy(() -> Principal.parse(text, Partition.AWS))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("must not be empty");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "*                                              | '*': wildcards are not allowed: a trust policy must name its principals",
            "arn:aws:iam::*:root                            | wildcards are not allowed",
            "arn:aws:iam::222222222222:group/Developers     | groups cannot be principals in IAM; trust the account and grant the group with granteeAttach instead",
            "arn:aws:iam::2222:root                         | 'arn:aws:iam::2222:root': the account part must be 12 digits",
            "22222222222                                    | is neither a 12-digit account ID nor an IAM ARN",
            "arn:aws:s3:::bucket                            | 'arn:aws:s3:::bucket' is not an IAM principal ARN (arn:aws:iam::ACCOUNT:…)",
            "arn:aws:iam:us-east-1:222222222222:root        | is not an IAM principal ARN",
            "arn:aws:sts::222222222222:assumed-role/R/s     | is not an IAM principal ARN",
            "arn:aws-cn:iam::222222222222:root              | is in partition aws-cn but the owner accounts are in aws: roles delegate only within a partition",
            "arn:aws-moon:iam::222222222222:root            | unknown partition 'aws-moon'",
            "arn:aws:iam::222222222222:root/extra           | an account principal ends in ':root'",
            "arn:aws:iam::222222222222:role/                | malformed role ARN",
            "arn:aws:iam::222222222222:user/a//b            | malformed user ARN",
            "arn:aws:iam::222222222222:role/bad name        | malformed role ARN",
            "arn:aws:iam::222222222222:policy/ReadOnly      | 'policy' principals are not supported"})
    void parse_whenInvalid_throwsAMessageNamingTheProblem(String text, String message) {
        assertThatThrownBy(() -> Principal.parse(text, Partition.AWS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
