package io.crossrole.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crossrole.cli.local.LocalQueues;
import io.crossrole.cli.local.LocalTables;
import io.crossrole.cli.template.SamTemplate;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.TestCrossrole;
import io.crossrole.testing.TestFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.iam.IamClient;

/** The operator's verbs against the emulator: grant put, run, plan, status, drift. */
@ExtendWith(AwsEmulatorExtension.class)
class OperatorCliIT {
    private static final String GRANT = """
            {"grantId": "ops-deploy", "roleName": "OpsDeploy", "targets": ["111111111111", "012345678901"],
             "trustedPrincipals": ["222222222222"], "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
             "inlinePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}""";

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private TestCrossrole crossrole;
    private Map<String, String> env;

    @BeforeEach
    void setUp(Emulator emulator) {
        emulator.reset();
        crossrole = new TestCrossrole(emulator, Map.of());
        env = new HashMap<>(emulator.environment("Grants-run", "Assignments-run", "GrantTargets-run"));
        SamTemplate template = SamTemplate.read(TestFiles.repoRoot().resolve("template.yaml"));
        new LocalTables(template).create(crossrole.dynamo(), Map.of("GrantsTable", "Grants-run", "AssignmentsTable", "Assignments-run",
                "GrantTargetsTable", "GrantTargets-run"));
        new LocalQueues(template).create(crossrole.observerSqs());
    }

    @AfterEach
    void tearDown() {
        crossrole.close();
    }

    @Test
    void grantPutThenRun_provisionsTheGrantWithoutAnyOtherCommand_andPlanStatusDriftReportIt() throws Exception {
        Path file = dir.resolve("ops-deploy.json");
        Files.writeString(file, GRANT);

        assertThat(crossrole("grant", "put", file.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("put grant ops-deploy into Grants-run");
        assertThat(crossrole("run", "--for", "12", "--drift-every", "0")).as(err.toString()).isZero();

        assertThat(out.toString()).contains("stream: 1 record(s) → returned");
        for (String account : new String[] {"111111111111", "012345678901"}) {
            try (IamClient iam = crossrole.observerIam(account)) {
                assertThat(iam.getRole(r -> r.roleName("OpsDeploy")).role().arn()).endsWith(":role/crossrole-managed/OpsDeploy");
            }
        }

        assertThat(crossrole("status", "ops-deploy")).isZero();
        assertThat(out.toString()).contains("PROVISIONED").contains("arn:aws:iam::111111111111:role/crossrole-managed/OpsDeploy").contains("2 assignment(s)");

        Files.writeString(file, GRANT.replace("\"012345678901\"]", "\"012345678901\", \"444444444444\"]")
                .replace("ReadOnlyAccess", "SecurityAudit"));
        assertThat(crossrole("grant", "plan", file.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("111111111111  update").contains("attach arn:aws:iam::aws:policy/SecurityAudit")
                .contains("detach arn:aws:iam::aws:policy/ReadOnlyAccess").contains("444444444444  create");
        assertThat(crossrole("grant", "plan", file.toString(), "--json")).isZero();
        JsonNode plan = new ObjectMapper().readTree(out.toString());
        assertThat(plan.path("accounts")).hasSize(3);
        try (IamClient iam = crossrole.observerIam("111111111111")) {
            assertThat(iam.listAttachedRolePolicies(r -> r.roleName("OpsDeploy")).attachedPolicies())
                    .as("plan is read-only").extracting(p -> p.policyArn()).containsExactly("arn:aws:iam::aws:policy/ReadOnlyAccess");
        }

        assertThat(crossrole("drift")).as(out.toString()).isZero();
        assertThat(out.toString()).contains("2 in sync, 0 drifted");
        try (IamClient iam = crossrole.observerIam("012345678901")) {
            iam.attachRolePolicy(r -> r.roleName("OpsDeploy").policyArn("arn:aws:iam::aws:policy/AdministratorAccess"));
        }
        assertThat(crossrole("drift")).isEqualTo(1);
        assertThat(out.toString()).contains("attached arn:aws:iam::aws:policy/AdministratorAccess not in grant");
        assertThat(crossrole("status", "ops-deploy")).as("status exits 1 when something is DRIFTED").isEqualTo(1);
        assertThat(out.toString()).contains("DRIFTED");
    }

    @Test
    void grantValidate_acceptsAGoodFileAndRejectsABadOneNamingEachWrongField() throws Exception {
        Path good = dir.resolve("good.json");
        Files.writeString(good, GRANT);
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, """
                {"grantId": "bad", "roleName": "no spaces", "targets": [11111111111], "trustedPrincipals": ["*"],
                 "maxSessionDuration": 100, "tags": {"aws:owner": "x"}}""");

        assertThat(crossrole("grant", "validate", good.toString())).isZero();
        assertThat(out.toString()).contains("valid grant ops-deploy");
        assertThat(crossrole("grant", "validate", bad.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("5 problems").contains("roleName:").contains("targets[0]:")
                .contains("trustedPrincipals[0]:").contains("maxSessionDuration:").contains("tags.aws:owner:");
        assertThat(crossrole("grant", "put", bad.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("nothing was written");
    }

    @Test
    void help_listsTheOperatorsVerbs_andEveryVerbTakesHelp() {
        assertThat(crossrole("--help")).isZero();
        assertThat(out.toString()).contains("crossrole demo").contains("crossrole invoke").contains("crossrole run")
                .contains("crossrole grant validate").contains("crossrole status");
        for (String[] verb : new String[][] {{"grant", "--help"}, {"status", "--help"}, {"drift", "--help"}, {"run", "--help"},
                {"invoke", "--help"}, {"drain", "--help"}, {"demo", "--help"}, {"bench", "--help"}}) {
            assertThat(crossrole(verb)).as(String.join(" ", verb)).isZero();
            assertThat(out.toString()).as(String.join(" ", verb)).contains("Usage: crossrole " + verb[0]);
        }
    }

    private int crossrole(String... args) {
        out.reset();
        err.reset();
        return Crossrole.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env);
    }
}
