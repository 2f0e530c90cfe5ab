package io.crossrole.grant;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.Partition;
import io.crossrole.policy.ExpiryPolicy;
import io.crossrole.policy.PolicyDocuments;
import io.crossrole.role.DesiredRole;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Resource-policy grants, granteeDeny and exact expiry, as the parser reads them. */
class ResourceGrantParserTest {
    private static final GrantParser PARSER = new GrantParser(Partition.AWS, Limits.DEFAULT, "/crossrole-managed/");
    private static final String QUEUE = "arn:aws:sqs:us-east-1:111111111111:orders";

    private static Map<String, Object> resourceRecord() {
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("grantId", "orders-intake");
        raw.put("targets", List.of("111111111111"));
        raw.put("trustedPrincipals", List.of("arn:aws:iam::222222222222:role/intake"));
        raw.put("resourceArns", List.of(QUEUE));
        raw.put("resourceActions", List.of("sqs:SendMessage"));
        return raw;
    }

    @Test
    void parse_resourceGrant_givesItsStatementsPolicies() {
        GrantValidation v = PARSER.parse(resourceRecord());

        assertThat(v.problems()).isEmpty();
        assertThat(v.grant()).isEmpty();
        ResourceGrant g = v.resourceGrant().orElseThrow();
        assertThat(g.sid()).isEqualTo("Crossroleordersintake");
        assertThat(g.service()).isEqualTo("sqs");
        assertThat(g.holdersIn(AccountId.of("111111111111")))
                .containsExactly(Map.entry(new PolicyHolder.Queue("us-east-1", AccountId.of("111111111111"), "orders"), List.of(QUEUE)));
        assertThat(v.accountTargets()).containsExactly(AccountId.of("111111111111"));
    }

    @Test
    void parse_s3ObjectAndBucketArns_goToTheOneBucketPolicy() {
        Map<String, Object> raw = resourceRecord();
        raw.put("resourceArns", List.of("arn:aws:s3:::reports", "arn:aws:s3:::reports/2026/*"));
        raw.put("resourceActions", List.of("s3:GetObject", "s3:ListBucket"));

        ResourceGrant g = PARSER.parse(raw).resourceGrant().orElseThrow();

        assertThat(g.holdersIn(AccountId.of("111111111111"))).containsExactly(Map.entry(new PolicyHolder.Bucket("reports"),
                List.of("arn:aws:s3:::reports", "arn:aws:s3:::reports/2026/*")));
    }

    record Case(String name, Consumer<Map<String, Object>> change, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> refusals() {
        return Stream.of(
                new Case("an action of another service", r -> r.put("resourceActions", List.of("s3:GetObject")),
                        "resourceActions[0]: 's3:GetObject' is an action of s3, not of sqs (the grant's resources)"),
                new Case("a bare wildcard action", r -> r.put("resourceActions", List.of("*")),
                        "resourceActions[0]: must be service:Action (wildcards allowed in the action), e.g. sqs:SendMessage; got '*'"),
                new Case("a resource in an account the grant does not target",
                        r -> r.put("resourceArns", List.of("arn:aws:sqs:us-east-1:333333333333:orders")),
                        "resourceArns[0]: 'arn:aws:sqs:us-east-1:333333333333:orders' is in account 333333333333, which the grant"
                                + " does not target; targets[0]: no resource of the grant is in account 111111111111"),
                new Case("an OU target", r -> r.put("targets", List.of("ou-ab12-cdef3456")),
                        "targets[0]: a resource-policy grant targets account IDs only (a resource lives in one account); got"
                                + " 'ou-ab12-cdef3456'"),
                new Case("an external ID", r -> r.put("externalId", "Unique-3rd-party-ID-12345"),
                        "externalId: only sts:AssumeRole checks an external ID: a resource-policy grant cannot require one"),
                new Case("a role name too", r -> r.put("roleName", "Intake"),
                        "roleName: a resource-policy grant (resourceArns) has no role: leave roleName out, or write a role grant"
                                + " without resourceArns and resourceActions"),
                new Case("resources of two services", r -> r.put("resourceArns", List.of(QUEUE, "arn:aws:s3:::reports")),
                        "resourceArns: the resources of one grant are of one service (S3, SQS or SNS); got sqs, s3"),
                new Case("a service with no resource policy here", r -> r.put("resourceArns", List.of("arn:aws:kms:us-east-1:111111111111:key/abc")),
                        "resourceArns[0]: 'arn:aws:kms:us-east-1:111111111111:key/abc' is a resource of kms; a resource-policy grant"
                                + " writes S3 bucket, SQS queue and SNS topic policies"),
                new Case("a wildcard in a queue name", r -> r.put("resourceArns", List.of("arn:aws:sqs:us-east-1:111111111111:ord*")),
                        "resourceArns[0]: 'arn:aws:sqs:us-east-1:111111111111:ord*' 'ord*' is not a queue name (letters, digits, - and _,"
                                + " no wildcard)"),
                new Case("S3 resources with two targets", r -> {
                    r.put("targets", List.of("111111111111", "012345678901"));
                    r.put("resourceArns", List.of("arn:aws:s3:::reports/*"));
                    r.put("resourceActions", List.of("s3:GetObject"));
                }, "targets: an S3 bucket's ARN does not name its account: a grant on S3 resources targets the one account that"
                        + " owns the buckets"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void parse_resourceGrant_refusesEachProblemNamingItsField(Case c) {
        Map<String, Object> raw = resourceRecord();
        c.change().accept(raw);

        GrantValidation v = PARSER.parse(raw);

        assertThat(v.isValid()).isFalse();
        assertThat(v.resourceGrant()).isEmpty();
        assertThat(v.summary()).isEqualTo(c.expected());
    }

    @Test
    void parse_granteeDeny_isKept_andAPrincipalOnBothSidesIsRefused() {
        Map<String, Object> raw = new LinkedHashMap<>(Map.of("grantId", "g", "roleName", "R", "targets", List.of("111111111111"),
                "trustedPrincipals", List.of("222222222222"), "granteeAttach", List.of("arn:aws:iam::222222222222:group/Developers"),
                "granteeDeny", List.of("arn:aws:iam::222222222222:group/Testers")));

        Grant g = PARSER.parse(raw).grant().orElseThrow();
        assertThat(g.granteeDeny()).containsExactly(Arn.parse("arn:aws:iam::222222222222:group/Testers").orElseThrow());

        raw.put("granteeDeny", List.of("arn:aws:iam::222222222222:group/Developers"));
        assertThat(PARSER.parse(raw).summary()).isEqualTo("granteeDeny: 'arn:aws:iam::222222222222:group/Developers' is also in"
                + " granteeAttach: a principal is either allowed to assume the grant's roles or explicitly denied, not both");
    }

    @Test
    void desiredRole_withExpiresAt_carriesTheTrustConditionAndTheExpiryPolicy() {
        Instant at = Instant.parse("2027-06-30T00:00:00Z");
        Grant g = PARSER.parse(Map.of("grantId", "g", "roleName", "R", "targets", List.of("111111111111"),
                "trustedPrincipals", List.of("222222222222"), "expiresAt", BigDecimal.valueOf(at.getEpochSecond())))
                .grant().orElseThrow();

        DesiredRole role = DesiredRole.of(g, AccountId.of("111111111111"));

        assertThat(role.trustPolicy()).contains("\"DateLessThan\"").contains("\"aws:CurrentTime\"").contains("2027-06-30T00:00:00Z");
        assertThat(role.inlinePolicies()).containsKey(ExpiryPolicy.NAME);
        assertThat(PolicyDocuments.equivalent(role.inlinePolicies().get(ExpiryPolicy.NAME), """
                {"Version": "2012-10-17", "Statement": {"Sid": "CrossroleGrantExpired", "Effect": "Deny", "Action": "*",
                 "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2027-06-30T00:00:00Z"}}}}""")).isTrue();
        assertThat(DesiredRole.of(PARSER.parse(Map.of("grantId", "g", "roleName", "R", "targets", List.of("111111111111"),
                "trustedPrincipals", List.of("222222222222"))).grant().orElseThrow(), AccountId.of("111111111111")).inlinePolicies())
                .as("no expiry, no expiry policy").doesNotContainKey(ExpiryPolicy.NAME);
    }
}
