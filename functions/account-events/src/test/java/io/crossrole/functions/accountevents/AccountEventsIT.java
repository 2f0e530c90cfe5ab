package io.crossrole.functions.accountevents;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import io.crossrole.producer.GrantStreamProducer;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.SqsEventSource;
import io.crossrole.testing.StreamRecords;
import io.crossrole.testing.TestCrossrole;
import io.crossrole.testing.TestFiles;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * An organization on the emulator: root → Workloads → Prod (nested) and root → Sandbox. Grants target the
 * root, the Workloads OU, the Sandbox OU and one account by ID; accounts join and move. The function queues one
 * reconcile per grant that covers the account or was applied there; the worker drains the queues.
 */
@ExtendWith(AwsEmulatorExtension.class)
class AccountEventsIT {
    private TestCrossrole crossrole;
    private OrganizationsClient org;
    private GrantStreamProducer stream;
    private AccountEventsHandler handler;
    private String root;
    private String workloads;
    private String prod;
    private String sandbox;
    private String existing;

    @BeforeEach
    void setUp(Emulator emulator) {
        emulator.reset();
        // Backoff never sleeps in these tests: a 60 s window means up to 64 quick attempts.
        crossrole = new TestCrossrole(emulator, Map.of("NEW_ACCOUNT_READY_SECONDS", "60"), false);
        org = crossrole.observerOrganizations();
        root = org.listRoots().roots().get(0).id();
        workloads = org.createOrganizationalUnit(r -> r.parentId(root).name("Workloads")).organizationalUnit().id();
        prod = org.createOrganizationalUnit(r -> r.parentId(workloads).name("Prod")).organizationalUnit().id();
        sandbox = org.createOrganizationalUnit(r -> r.parentId(root).name("Sandbox")).organizationalUnit().id();
        existing = createAccount("existing", prod);
        stream = crossrole.producer("crossrole-grant-stream");
        handler = new AccountEventsHandler(crossrole.accountEventsProducer(AccountEventsHandler.SESSION_NAME));
        insert(grant("org-audit", "OrgAudit", root));
        insert(grant("workloads-deploy", "WorkloadsDeploy", workloads));
        insert(grant("sandbox-admin", "SandboxAdmin", sandbox));
        insert(grant("one-account", "OneAccount", existing));
    }

    @AfterEach
    void tearDown() {
        crossrole.close();
    }

    @Test
    void grantStream_expandsRootAndNestedOuTargets_butNeverToTheManagementAccount() {
        assertThat(roles(existing)).contains("OrgAudit", "WorkloadsDeploy", "OneAccount").doesNotContain("SandboxAdmin");
        assertThat(crossrole.assignments("org-audit")).extracting(a -> a.key().stored())
                .containsExactly(existing).doesNotContain("123456789012");
    }

    @Test
    @SuppressWarnings("unchecked")
    void createAccountResult_forAnAccountInANestedOu_queuesEveryCoveringGrant_andTheWorkerCreatesTheirRoles() {
        String fresh = createAccount("fresh", prod);
        crossrole.calls().clear();

        Map<String, Object> response = handler.handleRequest(event("account-events/create-account-result.json", fresh), null);

        assertThat((List<Object>) response.get("queued")).containsExactlyInAnyOrder("org-audit", "workloads-deploy");
        assertThat(crossrole.calls().all()).as("the function only reads the tables and the organization, and queues")
                .noneMatch(c -> c.startsWith("Iam:") || c.startsWith("Sts:") || c.equals("DynamoDb:Scan"));
        crossrole.drain();
        assertThat(roles(fresh)).containsExactlyInAnyOrder("OrgAudit", "WorkloadsDeploy");
        assertThat(crossrole.assignment("org-audit", fresh).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(crossrole.assignment("workloads-deploy", fresh).status()).isEqualTo(AssignmentStatus.PROVISIONED);
    }

    @Test
    void moveAccount_outOfTheOuRevokesItsGrantsKeepsTheRootOnes_andMovingBackReappliesThem() {
        org.moveAccount(r -> r.accountId(existing).sourceParentId(prod).destinationParentId(sandbox));

        Map<String, Object> out = invokeMove(existing, prod, sandbox);

        assertThat(roles(existing)).containsExactlyInAnyOrder("OrgAudit", "SandboxAdmin", "OneAccount");
        assertThat(out.get("queued")).asList().contains("workloads-deploy", "sandbox-admin");
        Assignment revoked = crossrole.assignment("workloads-deploy", existing);
        assertThat(revoked.status()).isEqualTo(AssignmentStatus.REVOKED);
        assertThat(revoked.message()).contains("account no longer targeted by the grant").contains("deleted");

        org.moveAccount(r -> r.accountId(existing).sourceParentId(sandbox).destinationParentId(prod));
        invokeMove(existing, sandbox, prod);

        assertThat(roles(existing)).containsExactlyInAnyOrder("OrgAudit", "WorkloadsDeploy", "OneAccount");
        assertThat(crossrole.assignment("workloads-deploy", existing).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(crossrole.assignment("sandbox-admin", existing).status()).isEqualTo(AssignmentStatus.REVOKED);
    }

    @Test
    void modifyChangingTargets_appliesAndRevokesExactlyTheDifference() {
        String inSandbox = createAccount("sandboxed", sandbox);
        insert(grant("sandbox-admin", "SandboxAdmin", sandbox));
        crossrole.calls().clear();

        crossrole.putGrant(grant("workloads-deploy", "WorkloadsDeploy", sandbox));
        stream.process(StreamRecords.modify(grant("workloads-deploy", "WorkloadsDeploy", workloads),
                grant("workloads-deploy", "WorkloadsDeploy", sandbox)));
        crossrole.drain();

        assertThat(roles(existing)).doesNotContain("WorkloadsDeploy");
        assertThat(roles(inSandbox)).contains("WorkloadsDeploy");
        assertThat(crossrole.assignment("workloads-deploy", existing).status()).isEqualTo(AssignmentStatus.REVOKED);
        assertThat(crossrole.assignment("workloads-deploy", inSandbox).status()).isEqualTo(AssignmentStatus.PROVISIONED);
    }

    @Test
    void suspendedAccounts_areSkippedByExpansionAndByEvents() {
        String closed = createAccount("closing", prod);
        org.closeAccount(r -> r.accountId(closed));
        insert(grant("late-grant", "LateGrant", root));

        assertThat(crossrole.assignments("late-grant")).extracting(a -> a.key().stored()).containsExactly(existing);
        crossrole.calls().clear();
        Map<String, Object> out = invoke("account-events/create-account-result.json", closed);

        assertThat(String.valueOf(out.get("ignored"))).contains("SUSPENDED");
        assertThat(crossrole.calls().iamWrites()).isEmpty();
    }

    @Test
    void newAccountDenyingAssumeRoleAtFirst_isRetriedWithinTheReconcileThenProvisioned() {
        String fresh = createAccount("slow", prod);
        crossrole.calls().clear();
        crossrole.calls().failNext(c -> c.equals("Sts:AssumeRole"), 3, accessDenied());

        invoke("account-events/create-account-result.json", fresh);

        assertThat(crossrole.calls().count("Sts:AssumeRole")).isEqualTo(4);
        Assignment a = crossrole.assignment("org-audit", fresh);
        assertThat(a.status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(a.attempts()).as("the role about to be created, then the outcome: the denial was retried within the reconcile")
                .isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"account-events/create-account-result.json", "account-events/accept-handshake.json"})
    void accountStillDenying_isPendingThroughTheQueueWithinTheWindow_thenFailedNamingTheRole(String file) {
        String fresh = createAccount("stuck", prod);
        crossrole.calls().clear();
        crossrole.calls().failNext(c -> c.equals("Sts:AssumeRole"), 1000, accessDenied());
        handler.handleRequest(event(file, fresh), null);

        SqsEventSource.Drained within = crossrole.expressSource().drain(crossrole.worker(Clock.systemUTC())::consume, 1, 1);

        assertThat(within.returned()).as("back to the queue, for a later try: the first message and the rest of its group")
                .isEqualTo(2);
        List<Assignment> statuses = statusesIn(fresh, "org-audit", "workloads-deploy");
        assertThat(statuses).as("the first of the account's messages was tried; the second waits behind it").singleElement()
                .satisfies(a -> {
                    assertThat(a.status()).isEqualTo(AssignmentStatus.PENDING);
                    assertThat(a.message()).contains("will retry").contains("AccessDenied");
                });

        Clock afterTheWindow = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(61));
        SqsEventSource.Drained after = crossrole.expressSource().drain(crossrole.worker(afterTheWindow)::consume, 1, 1);

        assertThat(after.returned()).isZero();
        assertThat(statusesIn(fresh, "org-audit", "workloads-deploy")).hasSize(2).allSatisfy(failed -> {
            assertThat(failed.status()).isEqualTo(AssignmentStatus.FAILED);
            assertThat(failed.message()).contains("cannot reach account " + fresh)
                    .contains("create the role OrganizationAccountAccessRole there, trusting this organization's management account");
        });
        assertThat(crossrole.calls().iamWrites()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"account-events/account-joined-organization.json", "account-events/control-tower-create-managed-account.json",
            "account-events/control-tower-update-managed-account.json"})
    void otherJoinEvents_provisionTheCoveringGrants(String file) {
        String fresh = createAccount("joined", workloads);

        invoke(file, fresh);

        assertThat(roles(fresh)).containsExactlyInAnyOrder("OrgAudit", "WorkloadsDeploy");
    }

    @Test
    void controlTowerUpdateAfterAnOuChange_revokesWhatNoLongerCoversAndAppliesWhatNowDoes() {
        org.moveAccount(r -> r.accountId(existing).sourceParentId(prod).destinationParentId(sandbox));

        invoke("account-events/control-tower-update-managed-account.json", existing);

        assertThat(roles(existing)).containsExactlyInAnyOrder("OrgAudit", "SandboxAdmin", "OneAccount");
        assertThat(crossrole.assignment("workloads-deploy", existing).status()).isEqualTo(AssignmentStatus.REVOKED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"account-events/remove-account.json", "account-events/close-account-result.json",
            "account-events/account-departed-organization.json"})
    void departures_markTheAccountsAssignmentsRevokedWithoutReachingIt(String file) {
        if (file.contains("close")) {
            org.closeAccount(r -> r.accountId(existing));
        } else {
            org.removeAccountFromOrganization(r -> r.accountId(existing));
        }
        crossrole.calls().clear();

        Map<String, Object> out = invoke(file, existing);

        assertThat(crossrole.calls().count("Sts:AssumeRole")).isZero();
        assertThat(crossrole.calls().iamWrites()).isEmpty();
        assertThat(((List<?>) out.get("queued"))).asList().containsExactlyInAnyOrder("org-audit", "workloads-deploy", "one-account");
        Assignment a = crossrole.assignment("org-audit", existing);
        assertThat(a.status()).isEqualTo(AssignmentStatus.REVOKED);
        assertThat(a.message()).contains("Crossrole no longer reaches it");
    }

    @ParameterizedTest
    @ValueSource(strings = {"account-events/remove-account.json", "account-events/close-account-result.json",
            "account-events/account-departed-organization.json"})
    void departureThatOrganizationsDoesNotConfirm_revokesNothing(String file) {
        crossrole.calls().clear();

        Map<String, Object> out = invoke(file, existing);

        assertThat(String.valueOf(out.get("ignored"))).contains("still lists account " + existing + " as ACTIVE")
                .contains("not confirmed");
        assertThat(crossrole.calls().iamWrites()).isEmpty();
        assertThat(crossrole.calls().count("Sts:AssumeRole")).isZero();
        assertThat(crossrole.assignment("org-audit", existing).status()).isEqualTo(AssignmentStatus.PROVISIONED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"account-events/close-account.json", "account-events/close-account-result-failed.json"})
    void aClosureRequested_orOneThatFailed_leavesRolesAndStatusesAsTheyWere(String file) {
        org.closeAccount(r -> r.accountId(existing));
        crossrole.calls().clear();

        Map<String, Object> out = invoke(file, existing);

        assertThat(String.valueOf(out.get("ignored"))).containsAnyOf("only a request", "FAILED");
        assertThat(crossrole.calls().all()).as("no AWS call at all").isEmpty();
        assertThat(crossrole.assignment("org-audit", existing).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(roles(existing)).contains("OrgAudit");
    }

    @Test
    void invitationAcceptedWithLowerCaseEnums_provisionsTheCoveringGrants() {
        String invited = createAccount("invited-lc", prod);

        invoke("account-events/accept-handshake-lowercase.json", invited);

        assertThat(roles(invited)).containsExactlyInAnyOrder("OrgAudit", "WorkloadsDeploy");
    }

    @ParameterizedTest
    @ValueSource(strings = {"account-events/create-account-failed.json", "account-events/move-account-failed.json",
            "account-events/unknown-event.json", "account-events/malformed-no-detail.json",
            "account-events/malformed-null-detail.json", "account-events/malformed-missing-account.json"})
    void failedUnknownOrMalformedEvents_changeNothingAndSayWhy(String file) {
        crossrole.calls().clear();

        Map<String, Object> out = invoke(file, existing);

        assertThat(String.valueOf(out.get("ignored"))).isNotBlank().isNotEqualTo("null");
        assertThat(crossrole.calls().all()).as("no AWS call at all").isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    private List<Assignment> statusesIn(String account, String... grantIds) {
        return Stream.of(grantIds).flatMap(g -> crossrole.assignments(g).stream())
                .filter(a -> a.key().stored().equals(account)).toList();
    }

    /** The sample event about {@code account}, delivered to the function; then the worker drains the queues. */
    private Map<String, Object> invoke(String file, String account) {
        Map<String, Object> out = handler.handleRequest(event(file, account), null);
        crossrole.drain();
        return out;
    }

    private static ScheduledEvent event(String file, String account) {
        return TestFiles.scheduledEvent(TestFiles.eventText(file).replace("333333333333", account));
    }

    private Map<String, Object> invokeMove(String account, String from, String to) {
        String json = TestFiles.eventText("account-events/move-account.json").replace("333333333333", account)
                .replace("ou-ab12-11111111", from).replace("ou-ab12-22222222", to);
        Map<String, Object> out = handler.handleRequest(TestFiles.scheduledEvent(json), null);
        crossrole.drain();
        return out;
    }

    /** Writes the grant to the table, delivers the stream record that write produces, and drains the queues. */
    private void insert(String grantJson) {
        crossrole.putGrant(grantJson);
        assertThat(stream.process(StreamRecords.insert(grantJson)).getBatchItemFailures()).isEmpty();
        crossrole.drain();
    }

    private static String grant(String id, String role, String target) {
        return """
                {"grantId": "%s", "roleName": "%s", "targets": ["%s"], "trustedPrincipals": ["222222222222"],
                 "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}""".formatted(id, role, target);
    }

    private String createAccount(String name, String parent) {
        return crossrole.createAccount(name, root, parent);
    }

    private List<String> roles(String account) {
        return crossrole.roleNames(account);
    }

    private static StsException accessDenied() {
        return (StsException) StsException.builder().statusCode(403).awsErrorDetails(AwsErrorDetails.builder()
                .errorCode("AccessDenied").errorMessage("not authorized to perform sts:AssumeRole").build()).build();
    }

}
