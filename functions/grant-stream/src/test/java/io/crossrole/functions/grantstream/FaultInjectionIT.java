package io.crossrole.functions.grantstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crossrole.grant.Grant;
import io.crossrole.grant.GrantImages;
import io.crossrole.grant.GrantParser;
import io.crossrole.iam.IamRoleReader;
import io.crossrole.model.AccountId;
import io.crossrole.producer.GrantStreamProducer;
import io.crossrole.reconcile.ReconcileKey;
import io.crossrole.reconcile.ReconcileRequest;
import io.crossrole.reconcile.ReconcileWorker;
import io.crossrole.role.ActualRole;
import io.crossrole.role.DesiredRole;
import io.crossrole.role.RoleDrift;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentKey;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.sts.Backoff;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.FaultyEndpoint;
import io.crossrole.testing.SqsEventSource;
import io.crossrole.testing.StreamRecords;
import io.crossrole.testing.TestCrossrole;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.Tag;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The grant stream and the reconcile worker under wire-level AWS faults: a {@link FaultyEndpoint} between Crossrole's
 * clients and the emulator throttles, fails and denies real IAM and STS requests, so the SDK's standard retry and
 * Crossrole's own handling both meet them as they would in AWS. The stream only queues (it makes no IAM or STS call);
 * the worker's batches are delivered as Lambda's SQS event source does with {@code ReportBatchItemFailures}: returned
 * messages come back (at once: the retry backoff is zero here) until the queues are empty. The observer clients that
 * check the outcome talk to the emulator directly.
 */
@ExtendWith(AwsEmulatorExtension.class)
class FaultInjectionIT {
    private static final String A = "111111111111";
    private static final String B = "222222222222";
    private static final String C = "012345678901";
    /** An account that has just joined: its member role is not yet assumable. */
    private static final String NEW = "333333333333";
    /** Fixes every fault decision; {@code -Dcrossrole.faults.seed=N} replays another run. */
    private static final long SEED = Long.getLong("crossrole.faults.seed", 20261122L);
    private static final int MAX_BATCHES = 200;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEVELOPERS = "arn:aws:iam::" + B + ":group/Developers";

    private Emulator emulator;
    private FaultyEndpoint proxy;
    private TestCrossrole crossrole;
    private GrantStreamHandler handler;
    private ReconcileWorker worker;

    @BeforeEach
    void setUp(Emulator emulator) {
        this.emulator = emulator;
        emulator.reset();
        proxy = FaultyEndpoint.start(emulator.endpoint(), SEED);
    }

    @AfterEach
    void tearDown() {
        if (crossrole != null) {
            crossrole.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    /**
     * Crossrole wired as the functions wire it (AssumeRole retried within ASSUME_ROLE_RETRY_SECONDS, a new account's
     * window NEW_ACCOUNT_READY_SECONDS), its clients pointed at the proxy, with backoff that never sleeps.
     */
    private void startCrossrole(int assumeRoleRetrySeconds, int newAccountReadySeconds) {
        crossrole = new TestCrossrole(emulator, Map.of(
                "AWS_ENDPOINT_URL", proxy.url().toString(),
                "ASSUME_ROLE_RETRY_SECONDS", String.valueOf(assumeRoleRetrySeconds),
                "NEW_ACCOUNT_READY_SECONDS", String.valueOf(newAccountReadySeconds)));
        assertThat(crossrole.config().endpointOverride()).contains(proxy.url());
        Backoff backoff = TestCrossrole.noSleepBackoff().withWindow(crossrole.config().assumeRoleRetry());
        handler = new GrantStreamHandler(GrantStreamProducer.create(crossrole.config(), crossrole.clients(),
                GrantStreamHandler.SESSION_NAME, backoff, Clock.systemUTC()));
        worker = ReconcileWorker.create(crossrole.config(), crossrole.clients(), "crossrole-reconcile", backoff, Clock.systemUTC());
    }

    private void startCrossrole(int assumeRoleRetrySeconds) {
        startCrossrole(assumeRoleRetrySeconds, 0);
    }

    /** The stream delivers the batch: it only reads the tables and queues, so no IAM or STS fault can reach it. */
    private void stream(DynamodbEvent event) {
        assertThat(handler.handleRequest(event, null).getBatchItemFailures()).isEmpty();
    }

    // ---------------------------------------------------------------- scenarios

    @Test
    void throttlingAndServerErrors_batchConvergesToExactlyTheGrants() throws Exception {
        startCrossrole(20);
        try (IamClient b = crossrole.observerIam(B)) {
            b.createGroup(r -> r.groupName("Developers"));
        }
        List<String> grants = List.of(
                grant("g-deploy", "Deployer", List.of(A, B), "\"trustedPrincipals\":[\"arn:aws:iam::444455556666:role/ci\"],"
                        + "\"inlinePolicy\":" + S3_POLICY + ",\"tags\":{\"team\":\"ci\"}"),
                grant("g-readonly", "ReadOnly", List.of(A, B, C), "\"trustedPrincipals\":[\"" + B + "\"],"
                        + "\"managedPolicyArns\":[\"arn:aws:iam::aws:policy/ReadOnlyAccess\"]"),
                grant("g-audit", "ThirdPartyAudit", List.of(C), "\"trustedPrincipals\":[\"444455556666\"],"
                        + "\"externalId\":\"Unique-3rd-party-ID-12345\",\"managedPolicyArns\":[\"arn:aws:iam::aws:policy/SecurityAudit\"]"),
                grant("g-updateapp", "UpdateApp", List.of(A, C), "\"trustedPrincipals\":[\"" + B + "\"],\"requireMfa\":true,"
                        + "\"inlinePolicy\":" + S3_POLICY + ",\"granteeAttach\":[\"" + DEVELOPERS + "\"]"),
                grant("g-breakglass", "BreakGlass", List.of(B), "\"trustedPrincipals\":[\"arn:aws:iam::" + A + ":user/alice\"],"
                        + "\"maxSessionDuration\":7200,\"description\":\"break-glass access for the on-call engineer\""),
                grant("g-billing", "BillingReader", List.of(C), "\"rolePath\":\"/crossrole-managed/finance/\",\"trustedPrincipals\":[\"" + A + "\"],"
                        + "\"inlinePolicy\":{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ce:Get*\",\"Resource\":\"*\"}]}"),
                grant("g-boundary", "PowerDev", List.of(A), "\"trustedPrincipals\":[\"" + C + "\"],"
                        + "\"permissionsBoundaryArn\":\"arn:aws:iam::aws:policy/PowerUserAccess\""),
                grant("g-network", "NetworkViewer", List.of(B, C), "\"trustedPrincipals\":[\"" + A + "\"],"
                        + "\"managedPolicyArns\":[\"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"],\"tags\":{\"cost-center\":\"net\"}"));
        Map<String, Map<String, AssignmentStatus>> expected = new LinkedHashMap<>();
        for (String json : grants) {
            Grant g = parse(json);
            Map<String, AssignmentStatus> keys = new TreeMap<>();
            g.targets().forEach(t -> keys.put(t.id(), AssignmentStatus.PROVISIONED));
            g.granteeAttach().forEach(arn -> keys.put(AssignmentKey.GRANTEE_PREFIX + arn, AssignmentStatus.PROVISIONED));
            expected.put(g.grantId(), keys);
        }
        proxy.throttle(0.30, "iam", "sts").serviceUnavailable(0.05, "iam", "sts").loseResponses(0.03, "iam");

        stream(batch(grants));
        int batches = drainChecking(expected);

        proxy.clearFaults();
        System.err.printf("[fault-injection] seed %d: throttled rollout converged after %d worker batches; injected %s%n",
                SEED, batches, proxy.injectedCounts());
        assertThat(proxy.injected(FaultyEndpoint.THROTTLING)).as("throttling really reached the SDK").isGreaterThanOrEqualTo(5);
        assertThat(proxy.injected(FaultyEndpoint.THROTTLING) + proxy.injected(FaultyEndpoint.SERVICE_UNAVAILABLE)
                + proxy.injected(FaultyEndpoint.LOST_RESPONSE)).isGreaterThanOrEqualTo(10);
        long sdkIamCalls = crossrole.calls().all().stream().filter(c -> c.startsWith("Iam:")).count();
        long wireIamRequests = proxy.log().stream().filter(e -> e.service().equals("iam")).count();
        assertThat(wireIamRequests).as("the SDK's own retries show as extra requests on the wire").isGreaterThan(sdkIamCalls);

        Map<String, Set<String>> rolesPerAccount = new TreeMap<>();
        for (String json : grants) {
            Grant g = parse(json);
            List<Assignment> assignments = crossrole.assignments(g.grantId());
            assertThat(assignments).extracting(a -> a.key().stored()).as("one assignment per grant × account for %s", g.grantId())
                    .containsExactlyInAnyOrderElementsOf(expected.get(g.grantId()).keySet());
            for (Assignment a : assignments) {
                assertThat(a.status()).as("%s/%s: %s", a.grantId(), a.key().stored(), a.message()).isEqualTo(AssignmentStatus.PROVISIONED);
                if (a.owner().isEmpty()) {
                    continue;
                }
                String account = a.owner().get().value();
                DesiredRole desired = DesiredRole.of(g, a.owner().get());
                assertThat(a.roleArn()).contains("arn:aws:iam::" + account + ":role" + g.rolePath() + g.roleName());
                try (IamClient iam = crossrole.observerIam(account)) {
                    ActualRole actual = new IamRoleReader().read(iam, g.roleName(), false).orElseThrow(
                            () -> new AssertionError(g.roleName() + " missing in " + account));
                    assertThat(RoleDrift.describe(actual, desired)).as("%s in %s", g.roleName(), account).isEmpty();
                    assertThat(actual.arn()).isEqualTo(a.roleArn().orElseThrow());
                }
                rolesPerAccount.computeIfAbsent(account, k -> new TreeSet<>()).add(g.roleName());
            }
        }
        for (var account : rolesPerAccount.entrySet()) {
            try (IamClient iam = crossrole.observerIam(account.getKey())) {
                assertThat(iam.listRolesPaginator(r -> { }).roles().stream().map(Role::roleName)
                        .filter(n -> !n.equals(crossrole.config().memberRoleName())).toList())
                        .as("roles in %s: each grant's role once, nothing else", account.getKey())
                        .containsExactlyInAnyOrderElementsOf(account.getValue());
            }
        }
        try (IamClient b = crossrole.observerIam(B)) {
            assertThat(b.listGroupPolicies(r -> r.groupName("Developers")).policyNames()).containsExactly("crossrole-assume-g-updateapp");
            JsonNode doc = JSON.readTree(IamRoleReader.decode(b.getGroupPolicy(r -> r.groupName("Developers")
                    .policyName("crossrole-assume-g-updateapp")).policyDocument()));
            assertThat(resources(doc)).containsExactlyInAnyOrder("arn:aws:iam::" + A + ":role" + TestCrossrole.PATH + "UpdateApp",
                    "arn:aws:iam::" + C + ":role" + TestCrossrole.PATH + "UpdateApp");
        }
    }

    @Test
    void unmanagedRoleOfTheSameName_isNeverTouchedUnderFaultsAndEndsFailedAsAConflict() {
        startCrossrole(20);
        try (IamClient b = crossrole.observerIam(B)) {
            b.createRole(r -> r.roleName("Operator").description("made by hand").maxSessionDuration(7200)
                    .assumeRolePolicyDocument("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                            + "\"Principal\":{\"AWS\":\"arn:aws:iam::999988887777:root\"},\"Action\":\"sts:AssumeRole\"}]}")
                    .tags(Tag.builder().key("owner").value("ops-team").build()));
            b.putRolePolicy(r -> r.roleName("Operator").policyName("hand-made").policyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ec2:Describe*\",\"Resource\":\"*\"}]}"));
            b.attachRolePolicy(r -> r.roleName("Operator").policyArn("arn:aws:iam::aws:policy/ReadOnlyAccess"));
            b.putRolePermissionsBoundary(r -> r.roleName("Operator").permissionsBoundary("arn:aws:iam::aws:policy/PowerUserAccess"));
            b.createInstanceProfile(r -> r.instanceProfileName("operator-profile"));
            b.addRoleToInstanceProfile(r -> r.instanceProfileName("operator-profile").roleName("Operator"));
        }
        RoleSnapshot before = snapshot(B, "Operator");
        List<String> grants = List.of(
                grant("g-operator", "Operator", List.of(A, B), "\"trustedPrincipals\":[\"" + C + "\"],\"inlinePolicy\":" + S3_POLICY
                        + ",\"managedPolicyArns\":[\"arn:aws:iam::aws:policy/SecurityAudit\"],\"tags\":{\"team\":\"sre\"}"),
                grant("g-auditor", "Auditor", List.of(B), "\"trustedPrincipals\":[\"" + A + "\"],"
                        + "\"managedPolicyArns\":[\"arn:aws:iam::aws:policy/SecurityAudit\"]"),
                grant("g-viewer", "Viewer", List.of(A), "\"trustedPrincipals\":[\"" + B + "\"]"));
        Map<String, Map<String, AssignmentStatus>> expected = new LinkedHashMap<>();
        expected.put("g-operator", Map.of(A, AssignmentStatus.PROVISIONED, B, AssignmentStatus.FAILED));
        expected.put("g-auditor", Map.of(B, AssignmentStatus.PROVISIONED));
        expected.put("g-viewer", Map.of(A, AssignmentStatus.PROVISIONED));
        proxy.throttle(0.30, "iam", "sts").serviceUnavailable(0.05, "iam", "sts").loseResponses(0.03, "iam");

        stream(batch(grants));
        int batches = drainChecking(expected);

        proxy.clearFaults();
        System.err.printf("[fault-injection] seed %d: conflict rollout converged after %d worker batches; injected %s%n",
                SEED, batches, proxy.injectedCounts());
        assertThat(proxy.injected(FaultyEndpoint.THROTTLING)).isPositive();
        assertThat(snapshot(B, "Operator")).as("the unmanaged role, in full").isEqualTo(before);
        assertThat(proxy.forwardedIamWrites()).as("writes that reached IAM").isNotEmpty()
                .anyMatch(w -> w.account().equals(B) && w.action().equals("CreateRole") && "Auditor".equals(w.parameters().get("RoleName")))
                .noneMatch(w -> w.account().equals(B) && "Operator".equals(w.parameters().get("RoleName")))
                .noneMatch(w -> w.account().equals(B) && "operator-profile".equals(w.parameters().get("InstanceProfileName")));
        Assignment conflict = crossrole.assignment("g-operator", B);
        assertThat(conflict.status()).isEqualTo(AssignmentStatus.FAILED);
        assertThat(conflict.message()).startsWith("conflict: ").contains("not created by Crossrole").contains("untouched");
        assertThat(crossrole.assignment("g-operator", A).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(crossrole.assignment("g-auditor", B).status()).isEqualTo(AssignmentStatus.PROVISIONED);
    }

    @Test
    void newAccountDeniesAssumeRoleForItsFirstAttempts_retriedWithinTheWindow_oneDeliverySucceeds() {
        startCrossrole(20);
        proxy.denyAssumeRole(NEW, 4);
        DynamodbEvent event = batch(List.of(
                grant("g-new", "Onboarding", List.of(NEW), "\"trustedPrincipals\":[\"" + A + "\"]"),
                grant("g-known", "Known", List.of(A), "\"trustedPrincipals\":[\"" + B + "\"]")));

        stream(event);
        SqsEventSource.Drained drained = crossrole.expressSource().drain(worker::consume);

        assertThat(drained.returned()).as("retried within the reconcile, never returned to the queue").isZero();
        assertThat(proxy.injected("sts", "AssumeRole", FaultyEndpoint.ACCESS_DENIED)).isEqualTo(4);
        assertThat(proxy.forwardedAssumeRole(NEW)).isEqualTo(1);
        Assignment a = crossrole.assignment("g-new", NEW);
        assertThat(a.status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(a.attempts()).as("the role about to be created, then the outcome: no retry in between").isEqualTo(2);
        try (IamClient iam = crossrole.observerIam(NEW)) {
            assertThat(iam.getRole(r -> r.roleName("Onboarding")).role().arn()).isEqualTo("arn:aws:iam::" + NEW + ":role" + TestCrossrole.PATH + "Onboarding");
        }
        assertThat(crossrole.assignment("g-known", A).status()).isEqualTo(AssignmentStatus.PROVISIONED);
    }

    @Test
    void newAccountDeniesAssumeRole_withNoRetryWindow_onlyItsMessageReturnsToTheQueueUntilTheDenialEnds() throws Exception {
        startCrossrole(0, 600);
        try (IamClient known = crossrole.observerIam(A)) {
            known.listRoles(); // the emulator sets up an account's IAM on first use: keep that out of the window
        }
        Duration window = Duration.ofSeconds(3);
        Instant denialEnds = Instant.now().plus(window);
        proxy.denyAssumeRole(NEW, window);
        stream(batch(List.of(
                grant("g-new", "Onboarding", List.of(NEW), "\"trustedPrincipals\":[\"" + A + "\"]"),
                grant("g-known", "Known", List.of(A), "\"trustedPrincipals\":[\"" + B + "\"]"))));
        SqsEventSource queue = crossrole.expressSource();

        for (int delivery = 1; delivery <= 2; delivery++) {
            SqsEventSource.Drained one = queue.drain(worker::consume, 1, 1);

            assertThat(Instant.now()).as("the deliveries must happen inside the denial window").isBefore(denialEnds);
            assertThat(one.returned()).as("delivery %d: only the new account's message", delivery).isEqualTo(1);
            Assignment pending = crossrole.assignment("g-new", NEW);
            assertThat(pending.status()).isEqualTo(AssignmentStatus.PENDING);
            assertThat(pending.message()).startsWith("will retry: cannot assume arn:aws:iam::" + NEW + ":role/OrganizationAccountAccessRole")
                    .contains("AccessDenied").contains("not authorized to perform: sts:AssumeRole").contains("may not be ready yet");
            assertThat(pending.attempts()).isEqualTo(delivery);
            assertThat(crossrole.assignment("g-known", A).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        }
        assertThat(proxy.injected("sts", "AssumeRole", FaultyEndpoint.ACCESS_DENIED)).as("no retry within a zero window").isEqualTo(2);
        assertThat(proxy.forwardedAssumeRole(NEW)).isZero();
        try (IamClient iam = crossrole.observerIam(NEW)) {
            assertThat(iam.listRoles().roles()).extracting(Role::roleName).containsOnly(crossrole.config().memberRoleName());
        }

        Thread.sleep(Math.max(0, Duration.between(Instant.now(), denialEnds).toMillis() + 50));
        crossrole.calls().clear();
        SqsEventSource.Drained after = queue.drain(worker::consume);

        assertThat(after.returned()).isZero();
        Assignment provisioned = crossrole.assignment("g-new", NEW);
        assertThat(provisioned.status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(provisioned.message()).startsWith("created: ");
        assertThat(crossrole.calls().iamWrites()).as("only the new account's role is written").containsExactly("Iam:CreateRole");
        assertThat(crossrole.assignment("g-known", A).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(proxy.forwardedIamWrites()).as("IAM writes over the three deliveries").extracting(w -> w.account() + " " + w.action())
                .containsExactly(A + " CreateRole", NEW + " CreateRole");
        try (IamClient iam = crossrole.observerIam(NEW)) {
            assertThat(iam.getRole(r -> r.roleName("Onboarding")).role().arn()).isEqualTo("arn:aws:iam::" + NEW + ":role" + TestCrossrole.PATH + "Onboarding");
        }
    }

    @Test
    void crashBetweenTwoWritesOfOnePlan_onlyThatRecordIsRetriedAndTheNextDeliveryWritesOnlyWhatWasMissing() {
        startCrossrole(20);
        List<String> grants = List.of(
                grant("g-first", "First", List.of(A, C), "\"trustedPrincipals\":[\"" + B + "\"]"),
                grant("g-crash", "Crash", List.of(A), "\"trustedPrincipals\":[\"" + B + "\"],\"inlinePolicy\":" + S3_POLICY
                        + ",\"managedPolicyArns\":[\"arn:aws:iam::aws:policy/ReadOnlyAccess\"]"),
                grant("g-after", "After", List.of(C), "\"trustedPrincipals\":[\"" + B + "\"],\"inlinePolicy\":" + S3_POLICY));
        DynamodbEvent event = batch(grants);
        crossrole.calls().failNext(c -> c.equals("Iam:PutRolePolicy"), 1, IamException.builder().statusCode(500)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("InternalFailure").errorMessage("function crashed").build()).build());
        stream(event);
        SqsEventSource queue = crossrole.expressSource();

        SqsEventSource.Drained first = queue.drain(worker::consume, 1, 1);

        assertThat(first.delivered()).isEqualTo(4);
        assertThat(first.returned()).as("only g-crash's message; its account's other messages came before it").isEqualTo(1);
        assertThat(proxy.forwardedIamWrites()).extracting(w -> w.account() + " " + w.action() + " " + w.parameters().get("RoleName"))
                .containsExactlyInAnyOrder(A + " CreateRole First", C + " CreateRole First", A + " CreateRole Crash",
                        C + " CreateRole After", C + " PutRolePolicy After");
        Assignment pending = crossrole.assignment("g-crash", A);
        assertThat(pending.status()).isEqualTo(AssignmentStatus.PENDING);
        assertThat(pending.message()).startsWith("will retry: ").contains("crossrole-permissions").contains("function crashed");
        assertThat(crossrole.assignment("g-after", C).status()).isEqualTo(AssignmentStatus.PROVISIONED);

        crossrole.calls().clear();
        proxy.resetCounts();
        SqsEventSource.Drained second = queue.drain(worker::consume);

        assertThat(second.returned()).isZero();
        assertThat(crossrole.calls().iamWrites()).containsExactly("Iam:PutRolePolicy", "Iam:AttachRolePolicy");
        assertThat(proxy.forwardedIamWrites()).extracting(w -> w.account() + " " + w.action() + " " + w.parameters().get("RoleName"))
                .containsExactly(A + " PutRolePolicy Crash", A + " AttachRolePolicy Crash");
        assertThat(crossrole.assignment("g-crash", A).message())
                .isEqualTo("updated: put inline policy crossrole-permissions; attach arn:aws:iam::aws:policy/ReadOnlyAccess");
        for (String json : grants) {
            Grant g = parse(json);
            for (var target : g.targets()) {
                assertThat(crossrole.assignment(g.grantId(), target.id()).status()).isEqualTo(AssignmentStatus.PROVISIONED);
                try (IamClient iam = crossrole.observerIam(target.id())) {
                    assertThat(RoleDrift.describe(new IamRoleReader().read(iam, g.roleName(), false).orElseThrow(),
                            DesiredRole.of(g, AccountId.of(target.id())))).isEmpty();
                }
            }
        }

        crossrole.calls().clear();
        stream(event);
        assertThat(queue.isEmpty()).as("the whole batch again queues nothing: its versions were queued already").isTrue();
        assertThat(crossrole.calls().iamWrites()).isEmpty();
    }

    // ---------------------------------------------------------------- delivery as Lambda does it

    /**
     * Delivers the reconcile queues to the worker one batch at a time, as Lambda's SQS event source does (returned
     * messages stay; the rest are deleted), until both are empty. After each batch, for each message:
     * <ul>
     *   <li>not returned: its key holds its expected final status;</li>
     *   <li>returned: either it was reconciled and the reason is readable (its key recorded PENDING, "will retry: …",
     *       during this batch), or an earlier message of its group in the batch was returned (FIFO: not attempted).</li>
     * </ul>
     *
     * @return the number of batches
     */
    private int drainChecking(Map<String, Map<String, AssignmentStatus>> expected) {
        List<SqsEventSource> sources = List.of(crossrole.expressSource(), crossrole.bulkSource());
        for (int n = 1; n <= MAX_BATCHES; n++) {
            SqsEventSource source = sources.stream().filter(q -> !q.isEmpty()).findFirst().orElse(null);
            if (source == null) {
                return n - 1;
            }
            List<Message> batch = source.receive();
            if (batch.isEmpty()) {
                continue;
            }
            Instant start = Instant.now();
            SQSBatchResponse response = worker.consume(source.event(batch));
            Set<String> returned = response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                    .collect(Collectors.toSet());
            source.complete(batch, returned);
            Set<String> failedGroups = new HashSet<>();
            for (Message m : batch) {
                ReconcileKey key = ReconcileRequest.parse(m.body()).key();
                String group = m.attributesAsStrings().get("MessageGroupId");
                if (returned.contains(m.messageId())) {
                    if (failedGroups.add(group)) {
                        Assignment stored = crossrole.assignment(key.grantId(), key.assignmentKey().stored());
                        assertThat(stored.status()).as("batch %d returned %s: its status must say why", n, key).isEqualTo(AssignmentStatus.PENDING);
                        assertThat(stored.updatedAt()).isAfterOrEqualTo(start);
                        assertThat(stored.message()).startsWith("will retry: ");
                    }
                } else {
                    assertThat(failedGroups).as("batch %d: a message after a returned one of its group was not returned", n)
                            .doesNotContain(group);
                    Assignment stored = crossrole.assignment(key.grantId(), key.assignmentKey().stored());
                    assertThat(stored.status()).as("batch %d did not return %s: %s", n, key, stored.message())
                            .isEqualTo(expected.get(key.grantId()).get(key.assignmentKey().stored()));
                }
            }
            System.err.printf("[fault-injection] batch %d: %d message(s), %d returned%n", n, batch.size(), returned.size());
        }
        throw new AssertionError("the queues did not drain within " + MAX_BATCHES + " batches; injected " + proxy.injectedCounts());
    }

    /** Writes each grant to the Grants table and returns the stream batch those writes produce, in order. */
    private DynamodbEvent batch(List<String> grants) {
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        for (String json : grants) {
            crossrole.putGrant(json);
            records.addAll(StreamRecords.insert(json).getRecords());
        }
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(records);
        return event;
    }

    // ---------------------------------------------------------------- grants and roles

    private static final String S3_POLICY = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\","
            + "\"Resource\":\"arn:aws:s3:::productionapp\"},{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],"
            + "\"Resource\":\"arn:aws:s3:::productionapp/*\"}]}";

    private static String grant(String grantId, String roleName, List<String> targets, String rest) {
        return "{\"grantId\":\"" + grantId + "\",\"roleName\":\"" + roleName + "\",\"targets\":["
                + targets.stream().map(t -> "\"" + t + "\"").collect(Collectors.joining(",")) + "]," + rest + "}";
    }

    private Grant parse(String json) {
        var validation = new GrantParser(crossrole.config().partition(), crossrole.config().limits(), TestCrossrole.PATH)
                .parse(GrantImages.fromJson(json));
        assertThat(validation.problems()).as("test grant %s", json).isEmpty();
        return validation.grant().orElseThrow();
    }

    private static Set<String> resources(JsonNode policy) {
        Set<String> out = new HashSet<>();
        JsonNode statements = policy.path("Statement");
        for (JsonNode s : statements.isArray() ? statements : JSON.createArrayNode().add(statements)) {
            JsonNode resource = s.path("Resource");
            if (resource.isArray()) {
                resource.forEach(r -> out.add(r.asText()));
            } else {
                out.add(resource.asText());
            }
        }
        return out;
    }

    /** Everything IAM tells about a role, as returned. */
    private record RoleSnapshot(Role role, List<Tag> tags, Map<String, String> inlinePolicies, List<AttachedPolicy> attached,
                                List<String> instanceProfiles, Optional<ActualRole> asCrossroleReadsIt) {
    }

    private RoleSnapshot snapshot(String account, String roleName) {
        try (IamClient iam = crossrole.observerIam(account)) {
            Map<String, String> inline = new TreeMap<>();
            iam.listRolePolicies(r -> r.roleName(roleName)).policyNames().forEach(name ->
                    inline.put(name, iam.getRolePolicy(r -> r.roleName(roleName).policyName(name)).policyDocument()));
            return new RoleSnapshot(
                    iam.getRole(r -> r.roleName(roleName)).role(),
                    iam.listRoleTags(r -> r.roleName(roleName)).tags(),
                    inline,
                    iam.listAttachedRolePolicies(r -> r.roleName(roleName)).attachedPolicies(),
                    iam.listInstanceProfilesForRole(r -> r.roleName(roleName)).instanceProfiles().stream()
                            .map(p -> p.instanceProfileName() + " " + p.instanceProfileId() + " " + p.roles().size()).toList(),
                    new IamRoleReader().read(iam, roleName, true));
        }
    }
}
