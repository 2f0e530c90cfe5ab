package io.crossrole.grant;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.Partition;
import io.crossrole.model.Principal;
import io.crossrole.model.Target;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class GrantParserTest {

    private static final GrantParser PARSER = new GrantParser(Partition.AWS, Limits.DEFAULT);

    private static final String INLINE_COMPACT = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
            + "\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],\"Resource\":\"arn:aws:s3:::productionapp/*\"}]}";

    /** A grant file using every attribute; the inline policy is a JSON object, as a person writes it. */
    private static final String FULL_GRANT_JSON = """
            {
              "grantId": "prod-updateapp",
              "roleName": "UpdateApp",
              "rolePath": "/crossrole/",
              "targets": ["012345678901", "ou-ab12-cdef3456", "r-ab12"],
              "trustedPrincipals": ["222222222222", "arn:aws:iam::333333333333:role/ops/Deployer",
                                    "arn:aws:iam::444444444444:user/alice"],
              "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess",
                                    "arn:aws:iam::012345678901:policy/team/AppDeploy"],
              "inlinePolicy": {
                "Version": "2012-10-17",
                "Statement": [{
                  "Effect": "Allow",
                  "Action": ["s3:GetObject", "s3:PutObject"],
                  "Resource": "arn:aws:s3:::productionapp/*"
                }]
              },
              "permissionsBoundaryArn": "arn:aws:iam::012345678901:policy/Boundary",
              "externalId": "Unique-3rd-party-ID-12345",
              "requireMfa": true,
              "maxSessionDuration": 7200,
              "description": "Lets developers update the production app",
              "tags": {"team": "apps", "cost-center": "1234"},
              "granteeAttach": ["arn:aws:iam::222222222222:group/Developers"],
              "expiresAt": 1893456000
            }
            """;

    private static Grant expectedFullGrant() {
        return Grant.builder()
                .grantId("prod-updateapp")
                .roleName("UpdateApp")
                .rolePath("/crossrole/")
                .addTarget(new Target.Account(AccountId.of("012345678901")))
                .addTarget(new Target.OrganizationalUnit("ou-ab12-cdef3456"))
                .addTarget(new Target.Root("r-ab12"))
                .addTrustedPrincipal(new Principal.AccountRoot(Partition.AWS, AccountId.of("222222222222")))
                .addTrustedPrincipal(new Principal.Role(Partition.AWS, AccountId.of("333333333333"), "/ops/", "Deployer"))
                .addTrustedPrincipal(new Principal.User(Partition.AWS, AccountId.of("444444444444"), "/", "alice"))
                .addManagedPolicyArn("arn:aws:iam::aws:policy/ReadOnlyAccess")
                .addManagedPolicyArn("arn:aws:iam::012345678901:policy/team/AppDeploy")
                .inlinePolicy(INLINE_COMPACT)
                .permissionsBoundaryArn("arn:aws:iam::012345678901:policy/Boundary")
                .externalId("Unique-3rd-party-ID-12345")
                .requireMfa(true)
                .maxSessionDuration(7200)
                .description("Lets developers update the production app")
                .putTag("team", "apps")
                .putTag("cost-center", "1234")
                .addGranteeAttach(new Arn("aws", "iam", "", "222222222222", "group/Developers"))
                .expiresAt(Instant.ofEpochSecond(1893456000L))
                .build();
    }

    private static Grant valid(GrantValidation validation) {
        assertThat(validation.problems()).as("problems").isEmpty();
        assertThat(validation.isValid()).isTrue();
        assertThat(validation.grant()).isPresent();
        return validation.grant().orElseThrow();
    }

    // ---------------------------------------------------------------- the full grant, in every form

    @Test
    void parse_whenFullGrantFromJsonFile_givesExpectedGrant() {
        GrantValidation validation = PARSER.parse(GrantImages.fromJson(FULL_GRANT_JSON));

        assertThat(valid(validation)).isEqualTo(expectedFullGrant());
        assertThat(validation.grantId()).contains("prod-updateapp");
        assertThat(validation.accountTargets()).containsExactly(AccountId.of("012345678901"));
    }

    @Test
    void parse_whenFullGrantFromSdkItem_equalsGrantFromJsonFile() {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("grantId", s("prod-updateapp"));
        item.put("roleName", s("UpdateApp"));
        item.put("rolePath", s("/crossrole/"));
        item.put("targets", sdkList(s("012345678901"), s("ou-ab12-cdef3456"), s("r-ab12")));
        item.put("trustedPrincipals", sdkList(s("222222222222"), s("arn:aws:iam::333333333333:role/ops/Deployer"),
                s("arn:aws:iam::444444444444:user/alice")));
        item.put("managedPolicyArns", sdkList(s("arn:aws:iam::aws:policy/ReadOnlyAccess"),
                s("arn:aws:iam::012345678901:policy/team/AppDeploy")));
        // In the table the inline policy is a string, here with white space that the parser compacts.
        item.put("inlinePolicy", s("""
                {
                  "Version": "2012-10-17",
                  "Statement": [ { "Effect": "Allow", "Action": [ "s3:GetObject", "s3:PutObject" ],
                                   "Resource": "arn:aws:s3:::productionapp/*" } ]
                }"""));
        item.put("permissionsBoundaryArn", s("arn:aws:iam::012345678901:policy/Boundary"));
        item.put("externalId", s("Unique-3rd-party-ID-12345"));
        item.put("requireMfa", AttributeValue.builder().bool(true).build());
        item.put("maxSessionDuration", n("7200"));
        item.put("description", s("Lets developers update the production app"));
        item.put("tags", AttributeValue.builder().m(Map.of("team", s("apps"), "cost-center", s("1234"))).build());
        item.put("granteeAttach", sdkList(s("arn:aws:iam::222222222222:group/Developers")));
        item.put("expiresAt", n("1893456000"));

        Grant fromItem = valid(PARSER.parse(GrantImages.fromItem(item)));
        Grant fromJson = valid(PARSER.parse(GrantImages.fromJson(FULL_GRANT_JSON)));

        assertThat(fromItem).isEqualTo(expectedFullGrant()).isEqualTo(fromJson);
    }

    @Test
    void parse_whenFullGrantFromStreamImageWithStringSetTargets_equalsGrantFromJsonFile() {
        Map<String, com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue> image = new LinkedHashMap<>();
        image.put("grantId", ls("prod-updateapp"));
        image.put("roleName", ls("UpdateApp"));
        image.put("rolePath", ls("/crossrole/"));
        image.put("targets", new com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue()
                .withSS(List.of("012345678901", "ou-ab12-cdef3456", "r-ab12")));
        image.put("trustedPrincipals", llist(ls("222222222222"), ls("arn:aws:iam::333333333333:role/ops/Deployer"),
                ls("arn:aws:iam::444444444444:user/alice")));
        image.put("managedPolicyArns", llist(ls("arn:aws:iam::aws:policy/ReadOnlyAccess"),
                ls("arn:aws:iam::012345678901:policy/team/AppDeploy")));
        image.put("inlinePolicy", ls(INLINE_COMPACT));
        image.put("permissionsBoundaryArn", ls("arn:aws:iam::012345678901:policy/Boundary"));
        image.put("externalId", ls("Unique-3rd-party-ID-12345"));
        image.put("requireMfa", new com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue().withBOOL(true));
        image.put("maxSessionDuration", new com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue().withN("7200"));
        image.put("description", ls("Lets developers update the production app"));
        image.put("tags", new com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue()
                .withM(Map.of("team", ls("apps"), "cost-center", ls("1234"))));
        image.put("granteeAttach", llist(ls("arn:aws:iam::222222222222:group/Developers")));
        image.put("expiresAt", new com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue().withN("1893456000"));

        Grant fromStream = valid(PARSER.parse(GrantImages.fromStreamImage(image)));
        Grant fromJson = valid(PARSER.parse(GrantImages.fromJson(FULL_GRANT_JSON)));

        assertThat(fromStream).isEqualTo(expectedFullGrant()).isEqualTo(fromJson);
    }

    @Test
    void parse_whenAccountIdHasLeadingZero_keepsTheZeroInTargetsPrincipalsAndAccountTargets() {
        Map<String, Object> raw = baseRecord();
        raw.put("targets", list("012345678901"));
        raw.put("trustedPrincipals", list("012345678902"));

        GrantValidation validation = PARSER.parse(raw);
        Grant grant = valid(validation);

        assertThat(grant.targets()).containsExactly(new Target.Account(new AccountId("012345678901")));
        assertThat(grant.targets().get(0).id()).isEqualTo("012345678901");
        assertThat(grant.accountTargets()).extracting(AccountId::value).containsExactly("012345678901");
        assertThat(validation.accountTargets()).extracting(AccountId::value).containsExactly("012345678901");
        assertThat(grant.trustedPrincipals()).extracting(Principal::arn).containsExactly("arn:aws:iam::012345678902:root");
    }

    @Test
    void parse_whenAccountIdWithLeadingZeroComesFromSdkItem_keepsTheZero() {
        Map<String, AttributeValue> item = Map.of(
                "grantId", s("g"), "roleName", s("R"),
                "targets", AttributeValue.builder().ss("012345678901").build(),
                "trustedPrincipals", sdkList(s("012345678902")));

        Grant grant = valid(PARSER.parse(GrantImages.fromItem(item)));

        assertThat(grant.accountTargets()).extracting(AccountId::value).containsExactly("012345678901");
    }

    @Test
    void parse_whenBaseRecord_isValidWithDefaults() {
        Grant grant = valid(PARSER.parse(baseRecord()));

        assertThat(grant.rolePath()).isEqualTo("/");
        assertThat(grant.requireMfa()).isFalse();
        assertThat(grant.inlinePolicy()).isEmpty();
        assertThat(grant.maxSessionDuration()).isEmpty();
        assertThat(grant.tags()).isEmpty();
    }

    @Test
    void parse_whenAManagedPathIsSet_rolesWithoutAPathLiveUnderIt() {
        Grant grant = valid(new GrantParser(Partition.AWS, Limits.DEFAULT, "/crossrole-managed/").parse(baseRecord()));

        assertThat(grant.rolePath()).isEqualTo("/crossrole-managed/");
    }

    @Test
    void parse_whenAManagedPathIsSet_acceptsAPathBelowItAndRefusesOneOutside() {
        GrantParser confined = new GrantParser(Partition.AWS, Limits.DEFAULT, "/crossrole-managed/");
        Map<String, Object> below = baseRecord();
        below.put("rolePath", "/crossrole-managed/team/");
        Map<String, Object> outside = baseRecord();
        outside.put("rolePath", "/crossrole/");

        assertThat(valid(confined.parse(below)).rolePath()).isEqualTo("/crossrole-managed/team/");
        assertThat(confined.parse(outside).problems()).extracting(Problem::toString).containsExactly(
                "rolePath: must be /crossrole-managed/ or below it (ManagedRolePath: Crossrole creates roles only there, so that"
                        + " IAM can confine it to them); got '/crossrole/'");
    }

    @Test
    void parse_whenTheExternalIdIsMalformed_neverRepeatsItsValue() {
        Map<String, Object> raw = baseRecord();
        raw.put("externalId", "secret value with spaces");

        GrantValidation validation = PARSER.parse(raw);

        assertThat(validation.summary()).contains("externalId: ").doesNotContain("secret value");
    }

    // ---------------------------------------------------------------- many problems at once

    @Test
    void parse_whenRecordHasManyProblems_reportsAllOfThemEachNamingItsField() {
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("colour", "blue");
        raw.put("roleName", "Update App");
        raw.put("rolePath", "crossrole");
        raw.put("targets", list("111111111111", "11111111111"));
        raw.put("trustedPrincipals", list("*", "arn:aws:iam::222222222222:group/Developers"));
        raw.put("managedPolicyArns", list("ReadOnlyAccess"));
        raw.put("inlinePolicy", "not json");
        raw.put("externalId", "x");
        raw.put("requireMfa", "yes");
        raw.put("maxSessionDuration", new BigDecimal("3599"));
        raw.put("tags", Map.of("aws:team", "apps"));
        raw.put("granteeAttach", list("Developers"));
        raw.put("expiresAt", "tomorrow");

        GrantValidation validation = PARSER.parse(raw);

        assertThat(validation.grant()).isEmpty();
        assertThat(validation.isValid()).isFalse();
        assertThat(validation.problems()).extracting(Problem::field).containsExactly(
                "colour",
                "grantId",
                "roleName",
                "rolePath",
                "targets[1]",
                "trustedPrincipals[0]",
                "trustedPrincipals[1]",
                "managedPolicyArns[0]",
                "inlinePolicy",
                "externalId",
                "requireMfa",
                "maxSessionDuration",
                "tags.aws:team",
                "granteeAttach[0]",
                "expiresAt");
        assertThat(validation.grantId()).isEmpty();
        assertThat(validation.accountTargets()).extracting(AccountId::value).containsExactly("111111111111");
        assertThat(validation.summary())
                .startsWith("colour: unknown attribute; ")
                .contains("; grantId: is required; ")
                .endsWith("; expiresAt: must be a number; got a string");
    }

    @Test
    void parse_whenRecordIsInvalid_stillReportsGrantIdAndAccountTargets() {
        Map<String, Object> raw = baseRecord();
        raw.put("targets", list("111111111111", "ou-ab12-cdef3456", "012345678901"));
        raw.put("roleName", "bad name");

        GrantValidation validation = PARSER.parse(raw);

        assertThat(validation.grant()).isEmpty();
        assertThat(validation.grantId()).contains("prod-updateapp");
        assertThat(validation.accountTargets()).extracting(AccountId::value)
                .containsExactly("111111111111", "012345678901");
    }

    // ---------------------------------------------------------------- single problems, exact messages

    @Test
    void parse_whenRoleNameHasSpaces_reportsRoleNameFieldWithExactMessage() {
        Map<String, Object> raw = baseRecord();
        raw.put("roleName", "Update App");

        assertThat(PARSER.parse(raw).problems()).containsExactly(new Problem("roleName",
                "must be 1–64 characters of letters, digits and + = , . @ _ -; got 'Update App'"));
    }

    @Test
    void parse_whenTargetIsANumber_reportsTargetWithLeadingZeroHint() {
        Map<String, Object> raw = baseRecord();
        raw.put("targets", list(new BigDecimal("12345678901")));

        assertThat(PARSER.parse(raw).problems()).containsExactly(new Problem("targets[0]",
                "must be a string; got the number 12345678901 (write account IDs as strings: a number loses leading zeros)"));
    }

    @Test
    void parse_whenPrincipalIsAGroup_reportsExactMessage() {
        Map<String, Object> raw = baseRecord();
        raw.put("trustedPrincipals", list("arn:aws:iam::222222222222:group/Developers"));

        assertThat(PARSER.parse(raw).problems()).containsExactly(new Problem("trustedPrincipals[0]",
                "'arn:aws:iam::222222222222:group/Developers': groups cannot be principals in IAM; "
                        + "trust the account and grant the group with granteeAttach instead"));
    }

    @Test
    void parse_whenPrincipalIsInAnotherPartition_reportsExactMessage() {
        Map<String, Object> raw = baseRecord();
        raw.put("trustedPrincipals", list("arn:aws-cn:iam::222222222222:root"));

        assertThat(PARSER.parse(raw).problems()).containsExactly(new Problem("trustedPrincipals[0]",
                "'arn:aws-cn:iam::222222222222:root' is in partition aws-cn but the owner accounts are in aws: "
                        + "roles delegate only within a partition"));
    }

    @Test
    void parse_whenRecordIsNull_reportsEveryRequiredField() {
        GrantValidation validation = PARSER.parse(null);

        assertThat(validation.problems()).containsExactly(
                new Problem("grantId", "is required"),
                new Problem("roleName", "is required"),
                new Problem("targets", "is required"),
                new Problem("trustedPrincipals", "is required"));
    }

    // ---------------------------------------------------------------- the corpus

    record Case(String name, Consumer<Map<String, Object>> change, String field, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case c(String name, Consumer<Map<String, Object>> change, String field, String message) {
        return new Case(name, change, field, message);
    }

    private static Consumer<Map<String, Object>> set(String key, Object value) {
        return raw -> raw.put(key, value);
    }

    private static Consumer<Map<String, Object>> remove(String key) {
        return raw -> raw.remove(key);
    }

    static Stream<Case> singleProblems() {
        String policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
                + "\"Resource\":\"*\"}]}";
        return Stream.of(
                // required fields: missing, empty, wrong type
                c("grantId missing", remove("grantId"), "grantId", "is required"),
                c("grantId empty", set("grantId", ""), "grantId", "must not be empty"),
                c("grantId a number", set("grantId", new BigDecimal("7")), "grantId", "must be a string; got the number 7"),
                c("grantId bad characters", set("grantId", "prod updateapp"), "grantId", "must be 1–100 characters"),
                c("roleName missing", remove("roleName"), "roleName", "is required"),
                c("roleName empty", set("roleName", ""), "roleName", "must not be empty"),
                c("roleName a boolean", set("roleName", true), "roleName", "must be a string; got a boolean"),
                c("targets missing", remove("targets"), "targets", "is required"),
                c("targets empty", set("targets", list()), "targets", "must not be empty"),
                c("targets a string", set("targets", "111111111111"), "targets", "must be a list of strings; got a string"),
                c("trustedPrincipals missing", remove("trustedPrincipals"), "trustedPrincipals", "is required"),
                c("trustedPrincipals empty", set("trustedPrincipals", list()), "trustedPrincipals", "must not be empty"),
                c("trustedPrincipals a map", set("trustedPrincipals", Map.of("AWS", "222222222222")), "trustedPrincipals",
                        "must be a list of strings; got a map"),
                // role name and path
                c("roleName 65 characters", set("roleName", "R".repeat(65)), "roleName", "must be 1–64 characters"),
                c("roleName with a slash", set("roleName", "ops/UpdateApp"), "roleName", "got 'ops/UpdateApp'"),
                c("rolePath without slashes", set("rolePath", "crossrole"), "rolePath", "must be '/' or /a/b/"),
                c("rolePath with a wildcard", set("rolePath", "/team*/"), "rolePath", "got '/team*/'"),
                c("tag key empty", set("tags", Map.of("", "v")), "tags.", "tag keys are 1–128 characters; got 0"),
                c("rolePath with a question mark", set("rolePath", "/te?m/"), "rolePath", "got '/te?m/'"),
                c("rolePath with double slash", set("rolePath", "/a//b/"), "rolePath", "got '/a//b/'"),
                // targets
                c("target a number", set("targets", list(new BigDecimal("111111111111"))), "targets[0]",
                        "(write account IDs as strings: a number loses leading zeros)"),
                c("target 11 digits", set("targets", list("11111111111")), "targets[0]",
                        "(an account ID has exactly 12 digits; this has 11)"),
                c("target 13 digits", set("targets", list("1111111111111")), "targets[0]",
                        "(an account ID has exactly 12 digits; this has 13)"),
                c("duplicate target", set("targets", list("111111111111", "111111111111")), "targets[1]",
                        "duplicate target '111111111111'"),
                c("bad OU", set("targets", list("ou-12")), "targets[0]",
                        "'ou-12' is not a 12-digit account ID, an OU ID (ou-…) or a root ID (r-…)"),
                // principals
                c("principal *", set("trustedPrincipals", list("*")), "trustedPrincipals[0]", "wildcards are not allowed"),
                c("principal arn with * account", set("trustedPrincipals", list("arn:aws:iam::*:root")), "trustedPrincipals[0]",
                        "'arn:aws:iam::*:root': wildcards are not allowed"),
                c("principal group", set("trustedPrincipals", list("arn:aws:iam::222222222222:group/Developers")),
                        "trustedPrincipals[0]", "groups cannot be principals"),
                c("principal malformed ARN", set("trustedPrincipals", list("arn:aws:iam::2222:root")), "trustedPrincipals[0]",
                        "the account part must be 12 digits"),
                c("principal neither ID nor ARN", set("trustedPrincipals", list("developers")), "trustedPrincipals[0]",
                        "is neither a 12-digit account ID nor an IAM ARN"),
                c("principal non-IAM ARN", set("trustedPrincipals", list("arn:aws:s3:::bucket")), "trustedPrincipals[0]",
                        "is not an IAM principal ARN"),
                c("principal cross-partition", set("trustedPrincipals", list("arn:aws-cn:iam::222222222222:root")),
                        "trustedPrincipals[0]", "is in partition aws-cn but the owner accounts are in aws"),
                c("principal duplicate (ID and its root ARN)",
                        set("trustedPrincipals", list("222222222222", "arn:aws:iam::222222222222:root")),
                        "trustedPrincipals[1]", "duplicate principal 'arn:aws:iam::222222222222:root'"),
                // managed policies and boundary
                c("managed policy not an ARN", set("managedPolicyArns", list("ReadOnlyAccess")), "managedPolicyArns[0]",
                        "must be a managed policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess"),
                c("managed policy a role ARN", set("managedPolicyArns", list("arn:aws:iam::111111111111:role/R")),
                        "managedPolicyArns[0]", "must be a managed policy ARN"),
                c("managed policy wrong partition", set("managedPolicyArns", list("arn:aws-cn:iam::aws:policy/ReadOnlyAccess")),
                        "managedPolicyArns[0]", "is in partition aws-cn but the owner accounts are in aws"),
                c("managed policy duplicate", set("managedPolicyArns",
                        list("arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess")),
                        "managedPolicyArns[1]", "duplicate policy"),
                c("11 managed policies", set("managedPolicyArns", policyArns(11)), "managedPolicyArns",
                        "has 11 policies; IAM attaches at most 10 to a role (raise the quota and MANAGED_POLICIES_MAX)"),
                c("boundary not a policy", set("permissionsBoundaryArn", "arn:aws:iam::111111111111:role/B"),
                        "permissionsBoundaryArn", "must be a managed policy ARN"),
                // inline policy
                c("inline not JSON", set("inlinePolicy", "Allow everything"), "inlinePolicy", "is not valid JSON"),
                c("inline a JSON array", set("inlinePolicy", "[1]"), "inlinePolicy", "must be a JSON object with Version and Statement"),
                c("inline a number", set("inlinePolicy", new BigDecimal("1")), "inlinePolicy",
                        "must be a JSON policy document (an object, or a string holding one); got the number 1"),
                c("inline without Statement", set("inlinePolicy", "{\"Version\":\"2012-10-17\"}"), "inlinePolicy", "has no Statement"),
                c("inline with Principal", set("inlinePolicy", "{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\","
                        + "\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}}"), "inlinePolicy.Statement[0]",
                        "a permissions policy cannot have a Principal"),
                c("inline without Action", set("inlinePolicy", "{\"Statement\":{\"Effect\":\"Allow\",\"Resource\":\"*\"}}"),
                        "inlinePolicy.Statement[0]", "needs an Action or NotAction"),
                c("inline without Resource", set("inlinePolicy", "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"}}"),
                        "inlinePolicy.Statement[0]", "needs a Resource or NotResource"),
                c("inline with Effect Maybe", set("inlinePolicy", "{\"Statement\":{\"Effect\":\"Maybe\",\"Action\":\"s3:GetObject\","
                        + "\"Resource\":\"*\"}}"), "inlinePolicy.Statement[0]", "Effect must be Allow or Deny; got 'Maybe'"),
                c("inline with old Version", set("inlinePolicy", policy.replace("2012-10-17", "2010-01-01")),
                        "inlinePolicy.Version", "must be 2012-10-17; got '2010-01-01'"),
                c("inline too large", set("inlinePolicy", largePolicy(10_241)), "inlinePolicy",
                        "is 10241 characters without white space; IAM allows 10240 of inline policy per role"),
                // max session duration
                c("maxSessionDuration 3599", set("maxSessionDuration", new BigDecimal("3599")), "maxSessionDuration",
                        "must be between 3600 and 43200 seconds (1 to 12 hours); got 3599"),
                c("maxSessionDuration 43201", set("maxSessionDuration", new BigDecimal("43201")), "maxSessionDuration",
                        "must be between 3600 and 43200 seconds (1 to 12 hours); got 43201"),
                c("maxSessionDuration 3600.5", set("maxSessionDuration", new BigDecimal("3600.5")), "maxSessionDuration",
                        "must be a whole number; got 3600.5"),
                c("maxSessionDuration a string", set("maxSessionDuration", "3600"), "maxSessionDuration",
                        "must be a number; got a string"),
                // external ID
                c("externalId 1 character", set("externalId", "x"), "externalId", "must be 2–1224 characters"),
                c("externalId 1225 characters", set("externalId", "x".repeat(1225)), "externalId", "must be 2–1224 characters"),
                c("externalId bad characters, the value never repeated", set("externalId", "id with spaces"), "externalId",
                        "got 14 characters (the value is not repeated here"),
                c("requireMfa a string", set("requireMfa", "true"), "requireMfa", "must be true or false; got a string"),
                // tags
                c("49 tags", set("tags", tags(49)), "tags", "has 49 tags; a role holds 50 and Crossrole uses 2, so at most 48"),
                c("tag key 129 characters", set("tags", Map.of("k".repeat(129), "v")), "tags." + "k".repeat(129),
                        "tag keys are 1–128 characters; got 129"),
                c("tag value 257 characters", set("tags", Map.of("team", "v".repeat(257))), "tags.team",
                        "tag values are at most 256 characters; got 257"),
                c("tag key aws: prefix", set("tags", Map.of("aws:team", "apps")), "tags.aws:team",
                        "the aws: prefix is reserved for AWS"),
                c("tag key AWS: prefix, upper case", set("tags", Map.of("AWS:team", "apps")), "tags.AWS:team",
                        "the aws: prefix is reserved for AWS"),
                c("tag key crossrole: prefix", set("tags", Map.of("crossrole:grant-id", "other")), "tags.crossrole:grant-id",
                        "the crossrole: prefix is reserved for Crossrole's ownership tags"),
                c("tag value a number", set("tags", Map.of("team", new BigDecimal("5"))), "tags.team",
                        "tag values must be strings; got the number 5"),
                c("tag value bad characters", set("tags", Map.of("team", "a;b")), "tags.team", "tag values use letters"),
                c("tags a list", set("tags", list("team")), "tags", "must be a map of tag names to string values; got a list"),
                // granteeAttach
                c("granteeAttach not an ARN", set("granteeAttach", list("Developers")), "granteeAttach[0]",
                        "must be the ARN of an IAM group, user or role in a grantee account, "
                                + "e.g. arn:aws:iam::222222222222:group/Developers; got 'Developers'"),
                c("granteeAttach a policy ARN", set("granteeAttach", list("arn:aws:iam::aws:policy/ReadOnlyAccess")),
                        "granteeAttach[0]", "must be the ARN of an IAM group, user or role"),
                c("granteeAttach other partition", set("granteeAttach", list("arn:aws-cn:iam::222222222222:group/Dev")),
                        "granteeAttach[0]", "is in partition aws-cn but the owner accounts are in aws"),
                // expiresAt, unknown attributes, description
                c("expiresAt not a number", set("expiresAt", "tomorrow"), "expiresAt", "must be a number; got a string"),
                c("expiresAt negative", set("expiresAt", new BigDecimal("-1")), "expiresAt", "must be epoch seconds"),
                c("unknown attribute", set("colour", "blue"), "colour", "unknown attribute; a grant has description, expiresAt,"),
                c("description 1001 characters", set("description", "d".repeat(1001)), "description",
                        "must be at most 1000 characters of printable Latin-1 text; got 1001 characters"),
                c("description with an emoji", set("description", "ok \uD83D\uDE00"), "description", "with unsupported characters"),
                // trust policy size
                c("trust policy over 2048", set("trustedPrincipals", accountIds(80)), "trustedPrincipals",
                        "IAM allows 2048 (raise the quota and TRUST_POLICY_MAX_CHARS, or trust fewer principals)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("singleProblems")
    void parse_whenRecordHasOneProblem_reportsExactlyThatProblemNamingItsField(Case c) {
        Map<String, Object> raw = baseRecord();
        c.change().accept(raw);

        GrantValidation validation = PARSER.parse(raw);

        assertThat(validation.problems()).as("problems of %s", c.name()).hasSize(1);
        Problem problem = validation.problems().get(0);
        assertThat(problem.field()).isEqualTo(c.field());
        assertThat(problem.message()).contains(c.message());
        assertThat(validation.grant()).isEmpty();
        assertThat(validation.isValid()).isFalse();
    }

    @Test
    void corpus_coversAtLeastThirtyCases() {
        assertThat(singleProblems().count()).isGreaterThanOrEqualTo(30);
    }

    // ---------------------------------------------------------------- limits and accepted edge values

    @Test
    void parse_whenElevenManagedPoliciesAndRaisedQuota_isValid() {
        Map<String, Object> raw = baseRecord();
        raw.put("managedPolicyArns", policyArns(11));

        assertThat(PARSER.parse(raw).isValid()).isFalse();
        Grant grant = valid(new GrantParser(Partition.AWS, new Limits(2048, 10240, 20)).parse(raw));
        assertThat(grant.managedPolicyArns()).hasSize(11);
    }

    @Test
    void parse_whenTrustPolicyOverSmallLimit_reportsItAndLargerLimitAcceptsIt() {
        Map<String, Object> raw = baseRecord();
        raw.put("trustedPrincipals", accountIds(10));

        GrantValidation small = new GrantParser(Partition.AWS, new Limits(200, 10240, 10)).parse(raw);
        assertThat(small.problems()).hasSize(1);
        assertThat(small.problems().get(0).field()).isEqualTo("trustedPrincipals");
        assertThat(small.problems().get(0).message()).matches("the trust policy would be \\d+ characters; IAM allows 200 "
                + "\\(raise the quota and TRUST_POLICY_MAX_CHARS, or trust fewer principals\\)");

        Grant grant = valid(new GrantParser(Partition.AWS, new Limits(8192, 10240, 10)).parse(raw));
        assertThat(grant.trustedPrincipals()).hasSize(10);
    }

    @Test
    void parse_whenInlinePolicyIsExactlyAtTheLimit_isValid() {
        Map<String, Object> raw = baseRecord();
        raw.put("inlinePolicy", largePolicy(10_240));

        assertThat(valid(PARSER.parse(raw)).inlinePolicy()).isPresent();
    }

    @Test
    void parse_whenInlinePolicyIsAJsonObjectInAFile_storesItCompacted() {
        String file = """
                {"grantId": "g", "roleName": "R", "targets": ["111111111111"], "trustedPrincipals": ["222222222222"],
                 "inlinePolicy": {"Version": "2012-10-17",
                                  "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
                                                 "Condition": {"NumericLessThan": {"s3:max-keys": 10}}}]}}
                """;

        Grant grant = valid(PARSER.parse(GrantImages.fromJson(file)));

        assertThat(grant.inlinePolicy()).contains("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Action\":\"s3:ListBucket\",\"Resource\":\"*\",\"Condition\":{\"NumericLessThan\":{\"s3:max-keys\":10}}}]}");
    }

    @Test
    void parse_whenBoundaryValuesAreUsed_acceptsThem() {
        Map<String, Object> raw = baseRecord();
        raw.put("roleName", "R".repeat(64));
        raw.put("maxSessionDuration", new BigDecimal("43200"));
        raw.put("externalId", "x".repeat(1224));
        raw.put("tags", tags(48));
        raw.put("description", "d".repeat(1000));

        Grant grant = valid(PARSER.parse(raw));

        assertThat(grant.maxSessionDuration()).contains(43200);
        assertThat(grant.tags()).hasSize(48);
    }

    @Test
    void parse_whenOwnerPartitionIsChina_acceptsChinaPrincipalsAndRejectsAwsOnes() {
        GrantParser china = new GrantParser(Partition.AWS_CN, Limits.DEFAULT);
        Map<String, Object> raw = baseRecord();
        raw.put("trustedPrincipals", list("arn:aws-cn:iam::222222222222:root", "333333333333"));

        Grant grant = valid(china.parse(raw));
        assertThat(grant.trustedPrincipals()).extracting(Principal::arn)
                .containsExactly("arn:aws-cn:iam::222222222222:root", "arn:aws-cn:iam::333333333333:root");

        raw.put("trustedPrincipals", list("arn:aws:iam::222222222222:root"));
        assertThat(china.parse(raw).problems()).extracting(Problem::field).containsExactly("trustedPrincipals[0]");
    }

    @Test
    void parse_whenInlinePolicyHasTrailingText_reportsInvalidJson() {
        Map<String, Object> raw = baseRecord();
        raw.put("inlinePolicy", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]} trailing");

        assertThat(PARSER.parse(raw).problems()).singleElement()
                .satisfies(p -> assertThat(p.toString()).startsWith("inlinePolicy: is not valid JSON"));
    }

    @Test
    void parse_whenInlineStatementLacksEffectOrStatementsAreEmpty_saysSoInItsOwnWords() {
        Map<String, Object> noEffect = baseRecord();
        noEffect.put("inlinePolicy", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}");
        Map<String, Object> empty = baseRecord();
        empty.put("inlinePolicy", "{\"Version\":\"2012-10-17\",\"Statement\":[]}");

        assertThat(PARSER.parse(noEffect).problems()).extracting(Problem::toString)
                .containsExactly("inlinePolicy.Statement[0]: needs an Effect of Allow or Deny");
        assertThat(PARSER.parse(empty).problems()).extracting(Problem::toString)
                .containsExactly("inlinePolicy.Statement: must hold at least one statement");
    }

    @Test
    void parse_whenGranteeAttachHasNoNameOrARegion_rejectsIt() {
        Map<String, Object> raw = baseRecord();
        raw.put("granteeAttach", list("arn:aws:iam::222222222222:group", "arn:aws:iam:us-east-1:222222222222:group/Dev"));

        assertThat(PARSER.parse(raw).problems()).extracting(Problem::field)
                .containsExactly("granteeAttach[0]", "granteeAttach[1]");
    }

    @Test
    void parse_whenMaxSessionIsAHugeWholeNumber_saysOutOfRange() {
        Map<String, Object> raw = baseRecord();
        raw.put("maxSessionDuration", new java.math.BigDecimal("1e30"));

        assertThat(PARSER.parse(raw).problems()).extracting(Problem::toString)
                .containsExactly("maxSessionDuration: is out of range; got 1E+30");
    }

    @Test
    void parse_whenInlinePolicyBreaksIamsGrammar_reportsEachBeforeAnythingReachesIam() {
        Map<String, Object> raw = baseRecord();
        raw.put("inlinePolicy", "{\"Version\":\"2012-10-17\",\"Foo\":1,\"Statement\":[{\"Sid\":\"my sid\",\"Effect\":\"Allow\","
                + "\"Action\":\"GetObject\",\"Resource\":\"bucket\",\"Actions\":\"x\"}]}");

        assertThat(PARSER.parse(raw).problems()).extracting(Problem::toString).containsExactlyInAnyOrder(
                "inlinePolicy.Statement[0]: unknown element 'Actions'; a statement has Action, Condition, Effect, NotAction, NotPrincipal, NotResource, Principal, Resource, Sid",
                "inlinePolicy.Statement[0].Sid: must be letters and digits only; got '\"my sid\"'",
                "inlinePolicy.Statement[0].Action: actions are written service:Action (e.g. s3:GetObject) or *; got 'GetObject'",
                "inlinePolicy.Statement[0].Resource: resources are ARNs (arn:…) or *; got 'bucket'",
                "inlinePolicy: unknown element 'Foo'; a policy has Version, Id and Statement");
    }

    @Test
    void parse_whenExpiresAtIsBeyondYear9999_saysItMustBeSecondsInsteadOfCrashing() {
        Map<String, Object> raw = baseRecord();
        raw.put("expiresAt", new java.math.BigDecimal("1795000000000000000"));

        assertThat(PARSER.parse(raw).problems()).extracting(Problem::toString).containsExactly(
                "expiresAt: must be epoch seconds, at most 253402300799 (year 9999); got 1795000000000000000 (milliseconds?)");
    }

    // ---------------------------------------------------------------- helpers

    private static Map<String, Object> baseRecord() {
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("grantId", "prod-updateapp");
        raw.put("roleName", "UpdateApp");
        raw.put("targets", list("111111111111"));
        raw.put("trustedPrincipals", list("222222222222"));
        return raw;
    }

    private static List<Object> list(Object... items) {
        return new ArrayList<>(List.of(items));
    }

    private static List<Object> policyArns(int count) {
        return new ArrayList<>(IntStream.range(0, count)
                .mapToObj(i -> (Object) ("arn:aws:iam::111111111111:policy/P" + i)).toList());
    }

    private static List<Object> accountIds(int count) {
        return new ArrayList<>(IntStream.range(0, count)
                .mapToObj(i -> (Object) String.format("3%011d", i)).toList());
    }

    private static Map<String, Object> tags(int count) {
        Map<String, Object> tags = new LinkedHashMap<>();
        IntStream.range(0, count).forEach(i -> tags.put("key" + i, "value" + i));
        return tags;
    }

    /** A valid policy of exactly {@code size} characters without white space (and some white space besides). */
    private static String largePolicy(int size) {
        String head = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::";
        String tail = "\"}]}";
        String policy = head + "b".repeat(size - head.length() - tail.length()) + tail;
        String spaced = policy.replace(",", ",\n  ");
        assertThat(io.crossrole.policy.PolicyDocuments.sizeWithoutWhitespace(spaced)).isEqualTo(size);
        return spaced;
    }

    private static AttributeValue s(String value) {
        return AttributeValue.builder().s(value).build();
    }

    private static AttributeValue n(String value) {
        return AttributeValue.builder().n(value).build();
    }

    private static AttributeValue sdkList(AttributeValue... items) {
        return AttributeValue.builder().l(items).build();
    }

    private static com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue ls(String value) {
        return new com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue().withS(value);
    }

    private static com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue llist(
            com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue... items) {
        return new com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue().withL(items);
    }
}
