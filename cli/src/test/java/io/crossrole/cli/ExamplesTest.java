package io.crossrole.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.config.CrossroleConfig;
import io.crossrole.grant.GrantImages;
import io.crossrole.grant.GrantParser;
import io.crossrole.grant.GrantValidation;
import io.crossrole.grant.Limits;
import io.crossrole.grant.Problem;
import io.crossrole.guardrail.GrantReview;
import io.crossrole.guardrail.Guardrails;
import io.crossrole.guardrail.OrganizationFacts;
import io.crossrole.model.AccountId;
import io.crossrole.model.Partition;
import io.crossrole.testing.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The grant files in examples/ are what README says they are, under the guardrails examples/guardrails.json gives
 * the examples' organization (111111111111 prod, 222222222222 dev, 333333333333 staging, 555555555555 shared
 * services, 777777777777 security, 888888888888 log archive; management 123456789012; 444455556666 a third party).
 */
class ExamplesTest {
    private static final AccountId MANAGEMENT = AccountId.of("123456789012");
    private static final Set<String> MEMBERS = Set.of("111111111111", "222222222222", "333333333333", "555555555555",
            "777777777777", "888888888888", "123456789012");
    private static final OrganizationFacts ORGANIZATION = new OrganizationFacts() {
        @Override
        public AccountId management() {
            return MANAGEMENT;
        }

        @Override
        public AccountId ownAccount() {
            return MANAGEMENT;
        }

        @Override
        public boolean isMember(AccountId account) {
            return MEMBERS.contains(account.value());
        }

        @Override
        public List<String> ancestors(String id) {
            return List.of("r-ab12");
        }
    };

    private static GrantReview review() throws Exception {
        return new GrantReview(new GrantParser(Partition.AWS, Limits.DEFAULT, CrossroleConfig.DEFAULT_MANAGED_ROLE_PATH),
                Guardrails.parse(Files.readString(TestFiles.repoRoot().resolve("examples/guardrails.json"))));
    }

    private static GrantValidation review(String file) throws Exception {
        return review().review(GrantImages.fromJson(Files.readString(TestFiles.repoRoot().resolve("examples").resolve(file))),
                ORGANIZATION);
    }

    static Stream<Path> validExamples() throws Exception {
        try (Stream<Path> files = Files.list(TestFiles.repoRoot().resolve("examples"))) {
            return files.filter(p -> p.toString().endsWith(".json")).filter(p -> !Set.of("guardrails.json", "invalid-grant.json",
                    "refused-admin-grant.json").contains(p.getFileName().toString())).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("validExamples")
    void example_isAcceptedUnderTheExamplesGuardrails(Path file) throws Exception {
        GrantValidation v = review(file.getFileName().toString());

        assertThat(v.problems()).as(file.getFileName().toString()).isEmpty();
    }

    @Test
    void examples_coverTheSeedsScenarios() throws Exception {
        assertThat(validExamples().map(p -> p.getFileName().toString()).toList())
                .contains("dev-to-prod-updateapp.json", "third-party-auditor.json", "org-wide-audit.json",
                        "orders-queue-resource-grant.json")
                .anyMatch(n -> n.startsWith("one-grantee-many-owners"));
    }

    @Test
    void thirdPartyAuditor_isRefusedUnderTheDefaultGuardrails_andAcceptedOnceItsAccountIsListed() throws Exception {
        GrantReview defaults = new GrantReview(new GrantParser(Partition.AWS, Limits.DEFAULT, CrossroleConfig.DEFAULT_MANAGED_ROLE_PATH),
                Guardrails.DEFAULT);
        String auditor = Files.readString(TestFiles.repoRoot().resolve("examples/third-party-auditor.json"));

        assertThat(defaults.review(GrantImages.fromJson(auditor), ORGANIZATION).summary())
                .contains("guardrail trustedExternalAccounts: account 444455556666 is not in this organization");
        assertThat(review("third-party-auditor.json").isValid()).isTrue();
    }

    @Test
    void refusedAdminGrant_isRefusedNamingEachGuardrail() throws Exception {
        GrantValidation v = review("refused-admin-grant.json");

        assertThat(v.isValid()).isFalse();
        assertThat(v.problems()).extracting(Problem::toString).anySatisfy(p -> assertThat(p).contains("guardrail forbiddenManagedPolicies"))
                .anySatisfy(p -> assertThat(p).contains("guardrail forbiddenActions").contains("iam:PassRole").contains("iam:CreateRole"))
                .anySatisfy(p -> assertThat(p).contains("guardrail trustedExternalAccounts").contains("999988887777"))
                .anySatisfy(p -> assertThat(p).contains("guardrail protectedTargets").contains("management account"));
    }

    @Test
    void invalidExample_isRefusedNamingEachWrongField() throws Exception {
        GrantValidation v = review("invalid-grant.json");

        List<String> fields = v.problems().stream().map(Problem::field).toList();
        assertThat(fields).hasSizeGreaterThanOrEqualTo(5);
        assertThat(String.join(" ", v.problems().stream().map(Problem::toString).toList()))
                .contains("groups cannot be principals").contains("wildcards are not allowed").contains("maxSessionDuration")
                .contains("aws: prefix is reserved");
    }
}
