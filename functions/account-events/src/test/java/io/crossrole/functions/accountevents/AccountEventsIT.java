package io.crossrole.functions.accountevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crossrole.failure.ProvisioningException;
import io.crossrole.provision.GrantStreamProcessor;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.StreamRecords;
import io.crossrole.testing.TestCrossrole;
import io.crossrole.testing.TestFiles;
import java.util.List;
import java.util.Map;

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
 * root, the Workloads OU, the Sandbox OU and one account by ID; accounts join and move.
 */
@ExtendWith(AwsEmulatorExtension.class)
class AccountEventsIT {
    private TestCrossrole crossrole;
    private OrganizationsClient org;
    private GrantStreamProcessor stream;
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
        crossrole = new TestCrossrole(emulator, Map.of("NEW_ACCOUNT_READY_SECONDS", "60"));
        org = crossrole.observerOrganizations();
        root = org.listRoots().roots().get(0).id();
        workloads = org.createOrganizationalUnit(r -> r.parentId(root).name("Workloads")).organizationalUnit().id();
        prod = org.createOrganizationalUnit(r -> r.parentId(workloads).name("Prod")).organizationalUnit().id();
        sandbox = org.createOrganizationalUnit(r -> r.parentId(root).name("Sandbox")).organizationalUnit().id();
        existing = createAccount("existing", prod);
        stream = crossrole.processor("crossrole-grant-stream");
        handler = new AccountEventsHandler(crossrole.accountEventsProcessor(AccountEventsHandler.SESSION_NAME));
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
        assertThat(crossrole.assignments("org-audit")).extracting(Assignment::accountId)
                .containsExactly(existing).doesNotContain("123456789012");
    }

    @Test
    @SuppressWarnings("unchecked")
    void createAccountResult_forAnAccountInANestedOu_createsEveryCoveringRoleInOneInvocation() {
        String fresh = createAccount("fresh", prod);
        crossrole.calls().clear();

        Map<String, Object> response = invoke("account-events/create-account-result.json", fresh);

        assertThat(roles(fresh)).containsExactlyInAnyOrder("OrgAudit", "WorkloadsDeploy");
        assertThat(crossrole.assignment("org-audit", fresh).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(crossrole.assignment("workloads-deploy", fresh).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat((List<Object>) response.get("provisioned")).containsExactlyInAnyOrder("org-audit", "workloads-deploy");
        assertThat(crossrole.calls().all()).as("no table scans").noneMatch(c -> c.equals("DynamoDb:Scan"));
    }

    @Test
    void moveAccount_outOfTheOuRevokesItsGrantsKeepsTheRootOnes_andMovingBackReappliesThem() {
        org.moveAccount(r -> r.accountId(existing).sourceParentId(prod).destinationParentId(sandbox));

        Map<String, Object> out = invokeMove(existing, prod, sandbox);

        assertThat(roles(existing)).containsExactlyInAnyOrder("OrgAudit", "SandboxAdmin", "OneAccount");
        assertThat(out.get("revoked")).isEqualTo(List.of("workloads-deploy"));
        Assignment revoked = crossrole.assignment("workloads-deploy", existing);
        assertThat(revoked.status()).isEqualTo(AssignmentStatus.REVOKED);
        assertThat(revoked.message()).contains("account moved from " + prod + " to " + sandbox);

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

        assertThat(crossrole.assignments("late-grant")).extracting(Assignment::accountId).containsExactly(existing);
        crossrole.calls().clear();
        Map<String, Object> out = invoke("account-events/create-account-result.json", closed);

        assertThat(String.valueOf(out.get("ignored"))).contains("SUSPENDED");
        assertThat(crossrole.calls().iamWrites()).isEmpty();
    }

    @Test
    void newAccountDenyingAssumeRoleAtFirst_isWaitedForThenProvisioned() {
        String fresh = createAccount("slow", prod);
        crossrole.calls().clear();
        crossrole.calls().failNext(c -> c.equals("Sts:AssumeRole"), 3, accessDenied());

        invoke("account-events/create-account-result.json", fresh);

        assertThat(crossrole.calls().count("Sts:AssumeRole")).isEqualTo(4);
        Assignment a = crossrole.assignment("org-audit", fresh);
        assertThat(a.status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(a.attempts()).as("PENDING was recorded while waiting, then PROVISIONED").isEqualTo(2);
    }

    @Test
    void newAccountStillDenyingAfterTheWindow_failsTheInvocationAndShowsPending() {
        String fresh = createAccount("stuck", prod);
        crossrole.calls().clear();
        crossrole.calls().failNext(c -> c.equals("Sts:AssumeRole"), 1000, accessDenied());

        assertThatThrownBy(() -> invoke("account-events/create-account-result.json", fresh))
                .isInstanceOf(ProvisioningException.class);

        Assignment a = crossrole.assignment("org-audit", fresh);
        assertThat(a.status()).isEqualTo(AssignmentStatus.PENDING);
        assertThat(a.message()).contains("will retry").contains("AccessDenied");
        assertThat(crossrole.calls().iamWrites()).isEmpty();
    }

    @Test
    void invitedAccountWithoutTheMemberRole_isFailedNamingTheRole() {
        String invited = createAccount("invited", prod);
        crossrole.calls().failNext(c -> c.equals("Sts:AssumeRole"), 1000, accessDenied());

        Map<String, Object> out = invoke("account-events/accept-handshake.json", invited);

        Assignment a = crossrole.assignment("org-audit", invited);
        assertThat(a.status()).isEqualTo(AssignmentStatus.FAILED);
        assertThat(a.message()).contains("joined by invitation")
                .contains("create the role OrganizationAccountAccessRole in that account");
        assertThat(out).containsKey("failed");
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
    @ValueSource(strings = {"account-events/remove-account.json", "account-events/close-account.json",
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
        assertThat(((List<?>) out.get("revoked"))).hasSize(3);
        Assignment a = crossrole.assignment("org-audit", existing);
        assertThat(a.status()).isEqualTo(AssignmentStatus.REVOKED);
        assertThat(a.message()).contains("no longer reaches the account");
    }

    @ParameterizedTest
    @ValueSource(strings = {"account-events/remove-account.json", "account-events/close-account.json",
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

    private Map<String, Object> invoke(String file, String account) {
        String json = TestFiles.eventText(file).replace("333333333333", account);
        return handler.handleRequest(TestFiles.scheduledEvent(json), null);
    }

    private Map<String, Object> invokeMove(String account, String from, String to) {
        String json = TestFiles.eventText("account-events/move-account.json").replace("333333333333", account)
                .replace("ou-ab12-11111111", from).replace("ou-ab12-22222222", to);
        return handler.handleRequest(TestFiles.scheduledEvent(json), null);
    }

    /** Writes the grant to the table and delivers the stream record that write produces. */
    private void insert(String grantJson) {
        crossrole.putGrant(grantJson);
        assertThat(stream.process(StreamRecords.insert(grantJson)).getBatchItemFailures()).isEmpty();
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
