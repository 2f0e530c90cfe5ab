package io.crossrole.functions.reconcileworker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crossrole.grant.ResourceGrant;
import io.crossrole.policy.ResourceStatements;
import io.crossrole.producer.GrantStreamProducer;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.PolicyJson;
import io.crossrole.testing.StreamRecords;
import io.crossrole.testing.TestCrossrole;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Resource-policy grants end to end on the emulator: a statement in the policy of an S3 bucket, an SQS queue and an SNS
 * topic that already hold a statement of someone else's, created, changed, drifted and repaired, revoked. The foreign
 * statement must come through every step exactly as it was; the documents are asserted structurally (moto evaluates
 * none of them).
 */
@ExtendWith(AwsEmulatorExtension.class)
class ResourceGrantIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OWNER = "111111111111";
    private static final String INTAKE = "arn:aws:iam::222222222222:role/intake";
    private static final String SID = ResourceGrant.sid("shared-intake");

    /** The three kinds of resource, each with the foreign statement its policy starts with. */
    enum Kind {
        BUCKET("arn:aws:s3:::shared-reports", List.of("arn:aws:s3:::shared-reports", "arn:aws:s3:::shared-reports/*"),
                List.of("s3:GetObject", "s3:ListBucket"), "s3:PutObject"),
        QUEUE("arn:aws:sqs:us-east-1:" + OWNER + ":orders", List.of("arn:aws:sqs:us-east-1:" + OWNER + ":orders"),
                List.of("sqs:SendMessage"), "sqs:GetQueueAttributes"),
        TOPIC("arn:aws:sns:us-east-1:" + OWNER + ":order-events", List.of("arn:aws:sns:us-east-1:" + OWNER + ":order-events"),
                List.of("sns:Publish"), "sns:Subscribe");

        final String holder;
        final List<String> resources;
        final List<String> actions;
        final String extraAction;

        Kind(String holder, List<String> resources, List<String> actions, String extraAction) {
            this.holder = holder;
            this.resources = resources;
            this.actions = actions;
            this.extraAction = extraAction;
        }

        String foreign() {
            String action = actions.get(0);
            return "{\"Sid\":\"SomeoneElses\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::333333333333:root\"},"
                    + "\"Action\":\"" + action + "\",\"Resource\":\"" + resources.get(resources.size() - 1) + "\"}";
        }
    }

    private TestCrossrole crossrole;
    private GrantStreamProducer stream;
    private S3Client s3;
    private SqsClient sqs;
    private SnsClient sns;
    private String queueUrl;

    @BeforeEach
    void setUp(Emulator emulator) {
        emulator.reset();
        crossrole = new TestCrossrole(emulator, Map.of());
        stream = crossrole.producer("crossrole-grant-stream");
        s3 = crossrole.observerClient(OWNER, S3Client.builder().forcePathStyle(true));
        sqs = crossrole.observerClient(OWNER, SqsClient.builder());
        sns = crossrole.observerClient(OWNER, SnsClient.builder());
        s3.createBucket(r -> r.bucket("shared-reports"));
        queueUrl = sqs.createQueue(r -> r.queueName("orders")).queueUrl();
        sns.createTopic(r -> r.name("order-events"));
        for (Kind kind : Kind.values()) {
            writePolicy(kind, "{\"Version\":\"2012-10-17\",\"Statement\":[" + kind.foreign() + "]}");
        }
    }

    @AfterEach
    void tearDown() {
        s3.close();
        sqs.close();
        sns.close();
        crossrole.close();
    }

    private static String grant(Kind kind, List<String> actions, String extra) {
        return """
                {"grantId": "shared-intake", "targets": ["%s"], "trustedPrincipals": ["%s"], "resourceArns": %s,
                 "resourceActions": %s%s}""".formatted(OWNER, INTAKE, json(kind.resources), json(actions), extra);
    }

    private void put(String json) {
        crossrole.putGrant(json);
        assertThat(stream.process(StreamRecords.insert(json)).getBatchItemFailures()).isEmpty();
        crossrole.drain();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void statement_isCreatedChangedDriftRepairedAndRevoked_besideAForeignStatementThatNeverChanges(Kind kind) throws Exception {
        List<String> foreignBefore = foreign(kind);
        assertThat(foreignBefore).isNotEmpty();

        put(grant(kind, kind.actions, ""));

        JsonNode statement = ours(kind).orElseThrow(() -> new AssertionError("no statement " + SID + " in " + policy(kind)));
        assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
        assertThat(PolicyJson.texts(statement.path("Principal").path("AWS"))).containsExactly(INTAKE);
        assertThat(PolicyJson.texts(statement.path("Action"))).containsExactlyElementsOf(kind.actions);
        assertThat(PolicyJson.texts(statement.path("Resource"))).containsExactlyElementsOf(kind.resources);
        assertThat(statement.has("Condition")).isFalse();
        assertThat(foreign(kind)).as("the foreign statements, byte for byte").isEqualTo(foreignBefore);
        Assignment a = crossrole.assignment("shared-intake", OWNER);
        assertThat(a.status()).as(a.message()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(a.resources()).containsExactly(kind.holder);

        long expires = Instant.now().plusSeconds(86_400).getEpochSecond();
        List<String> more = new ArrayList<>(kind.actions);
        more.add(kind.extraAction);
        put(grant(kind, more, ", \"requireMfa\": true, \"expiresAt\": " + expires));

        statement = ours(kind).orElseThrow();
        assertThat(PolicyJson.texts(statement.path("Action"))).containsExactlyElementsOf(more);
        assertThat(PolicyJson.texts(statement.path("Condition").path("Bool").path("aws:MultiFactorAuthPresent"))).containsExactly("true");
        assertThat(PolicyJson.texts(statement.path("Condition").path("DateLessThan").path("aws:CurrentTime")))
                .containsExactly(Instant.ofEpochSecond(expires).toString());
        assertThat(foreign(kind)).isEqualTo(foreignBefore);

        writePolicy(kind, "{\"Version\":\"2012-10-17\",\"Statement\":[" + kind.foreign() + "]}");
        Map<String, Object> report = crossrole.driftRun(Clock.systemUTC()).scheduled();

        assertThat(report).containsEntry("drifted", 1);
        Assignment drifted = crossrole.assignment("shared-intake", OWNER);
        assertThat(drifted.status()).isEqualTo(AssignmentStatus.DRIFTED);
        assertThat(drifted.message()).isEqualTo("drift: statement " + SID + " was removed from the policy of " + kind.holder);
        assertThat(ours(kind)).as("report mode writes nothing").isEmpty();

        crossrole.driftRun(Map.of("DRIFT_MODE", "remediate"), Clock.systemUTC()).scheduled();
        crossrole.drain();

        assertThat(ours(kind)).as("repaired").isPresent();
        assertThat(crossrole.assignment("shared-intake", OWNER).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(foreign(kind)).isEqualTo(foreignBefore);

        crossrole.deleteGrant("shared-intake");
        assertThat(stream.process(StreamRecords.remove(grant(kind, more, ""))).getBatchItemFailures()).isEmpty();
        crossrole.drain();

        assertThat(ours(kind)).as("revoked").isEmpty();
        assertThat(foreign(kind)).as("and only ours").isEqualTo(foreignBefore);
        Assignment revoked = crossrole.assignment("shared-intake", OWNER);
        assertThat(revoked.status()).isEqualTo(AssignmentStatus.REVOKED);
        assertThat(revoked.resources()).isEmpty();
    }

    @Test
    void revokingTheOnlyStatementOfABucketPolicy_deletesThePolicy() {
        s3.createBucket(r -> r.bucket("only-ours"));
        String json = """
                {"grantId": "only-ours", "targets": ["%s"], "trustedPrincipals": ["%s"], "resourceArns": ["arn:aws:s3:::only-ours/*"],
                 "resourceActions": ["s3:GetObject"]}""".formatted(OWNER, INTAKE);
        put(json);
        assertThat(s3.getBucketPolicy(r -> r.bucket("only-ours")).policy()).contains(ResourceGrant.sid("only-ours"));

        crossrole.deleteGrant("only-ours");
        stream.process(StreamRecords.remove(json));
        crossrole.drain();

        assertThat(bucketPolicy("only-ours")).as("nothing else was in it: the policy is gone").isEmpty();
    }

    @Test
    void aQueueThatDoesNotExist_isFailedSayingSo_withNoWrite() {
        crossrole.calls().clear();

        put("""
                {"grantId": "missing", "targets": ["%s"], "trustedPrincipals": ["%s"],
                 "resourceArns": ["arn:aws:sqs:us-east-1:%s:no-such-queue"], "resourceActions": ["sqs:SendMessage"]}"""
                .formatted(OWNER, INTAKE, OWNER));

        Assignment a = crossrole.assignment("missing", OWNER);
        assertThat(a.status()).isEqualTo(AssignmentStatus.FAILED);
        assertThat(a.message()).isEqualTo("resourceArns: queue no-such-queue does not exist in account " + OWNER + ": nothing was written");
        assertThat(crossrole.calls().all()).noneMatch(c -> c.equals("Sqs:SetQueueAttributes") || c.equals("S3:PutBucketPolicy"));
    }

    @Test
    void aQueueInAnotherRegion_isFailedSayingSo_withNoCallToIt() {
        crossrole.calls().clear();

        put("""
                {"grantId": "elsewhere", "targets": ["%s"], "trustedPrincipals": ["%s"],
                 "resourceArns": ["arn:aws:sqs:eu-west-1:%s:orders"], "resourceActions": ["sqs:SendMessage"]}"""
                .formatted(OWNER, INTAKE, OWNER));

        Assignment a = crossrole.assignment("elsewhere", OWNER);
        assertThat(a.status()).isEqualTo(AssignmentStatus.FAILED);
        assertThat(a.message()).isEqualTo("arn:aws:sqs:eu-west-1:" + OWNER + ":orders is in eu-west-1; Crossrole manages resource"
                + " policies in its own Region, us-east-1: nothing was written");
        assertThat(crossrole.calls().all()).noneMatch(c -> c.equals("Sqs:GetQueueUrl") || c.equals("Sqs:SetQueueAttributes"));
    }

    @Test
    void aPolicyThatWouldExceedTheServicesLimit_isFailedSayingSo_andLeftAsItWas() {
        String padding = "x".repeat(7_800);
        String big = "{\"Version\":\"2012-10-17\",\"Id\":\"" + padding + "\",\"Statement\":[" + Kind.QUEUE.foreign() + "]}";
        writePolicy(Kind.QUEUE, big);

        put(grant(Kind.QUEUE, Kind.QUEUE.actions, ""));

        Assignment a = crossrole.assignment("shared-intake", OWNER);
        assertThat(a.status()).isEqualTo(AssignmentStatus.FAILED);
        assertThat(a.message()).startsWith("the policy of " + Kind.QUEUE.holder + " would be ").endsWith(" bytes with the grant's"
                + " statement; SQS allows 8192: nothing was written");
        assertThat(policy(Kind.QUEUE).map(ResourceGrantIT::tree)).as("the policy, unchanged").contains(tree(big));
    }

    @Test
    void aStatementOfTheSameSidCrossroleDidNotWrite_isAConflict_andUntouched() {
        String squatter = "{\"Sid\":\"" + SID + "\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::444455556666:root\"},"
                + "\"Action\":\"sqs:*\",\"Resource\":\"" + Kind.QUEUE.holder + "\"}";
        writePolicy(Kind.QUEUE, "{\"Version\":\"2012-10-17\",\"Statement\":[" + squatter + "]}");

        put(grant(Kind.QUEUE, Kind.QUEUE.actions, ""));

        Assignment a = crossrole.assignment("shared-intake", OWNER);
        assertThat(a.status()).isEqualTo(AssignmentStatus.FAILED);
        assertThat(a.message()).startsWith("conflict: the policy of " + Kind.QUEUE.holder + " has a statement " + SID);
        assertThat(policy(Kind.QUEUE).map(ResourceGrantIT::tree)).as("the squatter's statement, untouched")
                .contains(tree("{\"Version\":\"2012-10-17\",\"Statement\":[" + squatter + "]}"));
    }

    // ------------------------------------------------------------------ helpers

    private Optional<String> policy(Kind kind) {
        return switch (kind) {
            case BUCKET -> bucketPolicy("shared-reports");
            case QUEUE -> Optional.ofNullable(sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.POLICY))
                    .attributes().get(QueueAttributeName.POLICY)).filter(p -> !p.isBlank());
            case TOPIC -> Optional.ofNullable(sns.getTopicAttributes(r -> r.topicArn(kind.holder)).attributes().get("Policy"));
        };
    }

    private Optional<String> bucketPolicy(String bucket) {
        try {
            return Optional.ofNullable(s3.getBucketPolicy(r -> r.bucket(bucket)).policy());
        } catch (S3Exception e) {
            return Optional.empty();
        }
    }

    private void writePolicy(Kind kind, String policy) {
        switch (kind) {
            case BUCKET -> s3.putBucketPolicy(r -> r.bucket("shared-reports").policy(policy));
            case QUEUE -> sqs.setQueueAttributes(r -> r.queueUrl(queueUrl).attributes(Map.of(QueueAttributeName.POLICY, policy)));
            case TOPIC -> sns.setTopicAttributes(r -> r.topicArn(kind.holder).attributeName("Policy").attributeValue(policy));
        }
    }

    private Optional<JsonNode> ours(Kind kind) {
        return policy(kind).flatMap(p -> ResourceStatements.find(p, SID)).map(JsonNode.class::cast);
    }

    /** Every statement but the grant's, each as the JSON text it has in the policy. */
    private List<String> foreign(Kind kind) {
        return policy(kind).map(p -> ResourceStatements.others(p, SID)).orElse(List.of());
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }


    private static String json(List<String> values) {
        return Stream.of(values.toArray(String[]::new)).map(v -> "\"" + v + "\"").toList().toString();
    }
}
