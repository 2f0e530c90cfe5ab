package io.crossrole.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.cli.local.LocalQueues;
import io.crossrole.cli.template.SamTemplate;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.StreamRecords;
import io.crossrole.testing.TestCrossrole;
import io.crossrole.testing.TestFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.organizations.OrganizationsClient;

/**
 * `crossrole invoke AccountEventsFunction` with the function's real artifact in its own JVM, against an
 * organization on the emulator holding grants on the root and on an OU.
 */
@ExtendWith(AwsEmulatorExtension.class)
class AccountEventsInvokeIT {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private TestCrossrole crossrole;
    private OrganizationsClient org;
    private Map<String, String> env;
    private String root;
    private String workloads;
    private String prod;

    @BeforeEach
    void setUp(Emulator emulator) throws Exception {
        emulator.reset();
        crossrole = new TestCrossrole(emulator, Map.of(), false);
        new LocalQueues(SamTemplate.read(TestFiles.repoRoot().resolve("template.yaml"))).create(crossrole.observerSqs());
        env = new HashMap<>(emulator.environment(crossrole.config().grantsTable(), crossrole.config().assignmentsTable(),
                crossrole.config().grantTargetsTable()));
        org = crossrole.observerOrganizations();
        root = org.listRoots().roots().get(0).id();
        workloads = org.createOrganizationalUnit(r -> r.parentId(root).name("Workloads")).organizationalUnit().id();
        prod = org.createOrganizationalUnit(r -> r.parentId(workloads).name("Prod")).organizationalUnit().id();
        put("""
                {"grantId": "org-audit", "roleName": "OrgAudit", "targets": ["%s"], "trustedPrincipals": ["222222222222"]}""".formatted(root));
        put("""
                {"grantId": "workloads-deploy", "roleName": "WorkloadsDeploy", "targets": ["%s"], "trustedPrincipals": ["222222222222"]}""".formatted(workloads));
    }

    @AfterEach
    void tearDown() {
        crossrole.close();
    }

    @Test
    void newAccountInANestedOu_getsEveryCoveringRole_failedAndMalformedEventsWriteNothing_andAMoveOutRevokesTheOusGrant() throws Exception {
        String fresh = createAccount("fresh", prod);

        assertThat(invoke("account-events/create-account-result.json", Map.of("333333333333", fresh))).as(err.toString()).isZero();

        assertThat(roles(fresh)).containsExactlyInAnyOrder("OrgAudit", "WorkloadsDeploy");
        assertThat(crossrole.assignment("org-audit", fresh).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(crossrole.assignment("workloads-deploy", fresh).status()).isEqualTo(AssignmentStatus.PROVISIONED);

        for (String ignored : List.of("account-events/create-account-failed.json", "account-events/malformed-null-detail.json",
                "account-events/malformed-missing-account.json")) {
            assertThat(invoke(ignored, Map.of("333333333333", fresh))).isZero();
            assertThat(out.toString()).contains("\"ignored\"");
        }
        assertThat(roles(fresh)).containsExactlyInAnyOrder("OrgAudit", "WorkloadsDeploy");

        String sandbox = org.createOrganizationalUnit(r -> r.parentId(root).name("Sandbox")).organizationalUnit().id();
        org.moveAccount(r -> r.accountId(fresh).sourceParentId(prod).destinationParentId(sandbox));
        assertThat(invoke("account-events/move-account.json",
                Map.of("333333333333", fresh, "ou-ab12-11111111", prod, "ou-ab12-22222222", sandbox))).isZero();

        assertThat(roles(fresh)).containsExactly("OrgAudit");
        assertThat(crossrole.assignment("workloads-deploy", fresh).status()).isEqualTo(AssignmentStatus.REVOKED);
        assertThat(crossrole.assignment("org-audit", fresh).status()).isEqualTo(AssignmentStatus.PROVISIONED);
    }

    private void put(String grantJson) throws Exception {
        crossrole.putGrant(grantJson);
        Path event = dir.resolve("stream-" + System.nanoTime() + ".json");
        Files.writeString(event, StreamRecords.insertJson(grantJson));
        assertThat(crossrole("invoke", "GrantStreamFunction", "--event", event.toString())).as(err.toString()).isZero();
        assertThat(out.toString().strip()).isEqualTo("{\"batchItemFailures\":[]}");
        assertThat(crossrole("drain", "ReconcileWorkerFunction")).as(err.toString()).isZero();
    }

    private int invoke(String sample, Map<String, String> replacements) throws Exception {
        String json = TestFiles.eventText(sample);
        for (Map.Entry<String, String> r : replacements.entrySet()) {
            json = json.replace(r.getKey(), r.getValue());
        }
        Path event = dir.resolve("event-" + System.nanoTime() + ".json");
        Files.writeString(event, json);
        int exit = crossrole("invoke", "AccountEventsFunction", "--event", event.toString());
        String response = out.toString();
        int drained = crossrole("drain", "ReconcileWorkerFunction");
        out.reset();
        out.writeBytes(response.getBytes(StandardCharsets.UTF_8));
        return exit != 0 ? exit : drained;
    }

    private int crossrole(String... args) {
        out.reset();
        err.reset();
        return Crossrole.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env);
    }

    private String createAccount(String name, String parent) {
        return crossrole.createAccount(name, root, parent);
    }

    private List<String> roles(String account) {
        return crossrole.roleNames(account);
    }
}
