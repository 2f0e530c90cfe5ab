package io.crossrole.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.FaultyEndpoint;
import io.crossrole.testing.StreamRecords;
import io.crossrole.testing.TestCrossrole;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * {@code crossrole grant plan} prints exactly what the functions then do: a grant renamed, one target dropped and one
 * added, its grantee group replaced. The plan's IAM calls per account are compared with the IAM writes the reconcile
 * worker then sends, seen on the wire by a proxy that records which account signed each.
 */
@ExtendWith(AwsEmulatorExtension.class)
class GrantPlanIT {
    private static final String A = "111111111111";
    private static final String B = "012345678901";
    private static final String C = "444444444444";
    private static final String DEV = "222222222222";
    private static final String V1 = """
            {"grantId": "ops", "roleName": "Deployer", "targets": ["%s", "%s"], "trustedPrincipals": ["%s"],
             "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
             "granteeAttach": ["arn:aws:iam::%s:group/Developers"]}""".formatted(A, B, DEV, DEV);
    private static final String V2 = """
            {"grantId": "ops", "roleName": "Releaser", "targets": ["%s", "%s"], "trustedPrincipals": ["%s"],
             "managedPolicyArns": ["arn:aws:iam::aws:policy/SecurityAudit"],
             "granteeAttach": ["arn:aws:iam::%s:group/Testers"]}""".formatted(A, C, DEV, DEV);

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private FaultyEndpoint proxy;
    private TestCrossrole crossrole;

    @BeforeEach
    void setUp(Emulator emulator) {
        emulator.reset();
        proxy = FaultyEndpoint.start(emulator.endpoint(), 1);
        crossrole = new TestCrossrole(emulator, Map.of("AWS_ENDPOINT_URL", proxy.url().toString()));
        try (IamClient dev = crossrole.observerIam(DEV)) {
            dev.createGroup(r -> r.groupName("Developers"));
            dev.createGroup(r -> r.groupName("Testers"));
        }
        crossrole.putGrant(V1);
        assertThat(crossrole.producer("crossrole-grant-stream").process(StreamRecords.insert(V1)).getBatchItemFailures()).isEmpty();
        crossrole.drain();
        assertThat(crossrole.assignment("ops", B).status()).isEqualTo(AssignmentStatus.PROVISIONED);
    }

    @AfterEach
    void tearDown() {
        crossrole.close();
        proxy.close();
    }

    @Test
    void plan_onARenameADroppedTargetAndAChangedGrantee_printsExactlyTheCallsTheWorkerThenMakes() throws Exception {
        Path file = dir.resolve("ops.json");
        Files.writeString(file, V2);
        proxy.resetCounts();

        assertThat(crossrole("grant", "plan", file.toString(), "--json")).as(err.toString()).isZero();

        assertThat(proxy.forwardedIamWrites()).as("the plan is read-only").isEmpty();
        JsonNode plan = new ObjectMapper().readTree(out.toString());
        Map<String, JsonNode> accounts = new java.util.LinkedHashMap<>();
        plan.path("accounts").forEach(a -> accounts.put(a.path("accountId").asText(), a));
        assertThat(accounts.keySet()).containsExactlyInAnyOrder(A, B, C);
        assertThat(accounts.get(A).path("action").asText()).isEqualTo("rename");
        assertThat(accounts.get(B).path("action").asText()).isEqualTo("revoke");
        assertThat(accounts.get(C).path("action").asText()).isEqualTo("create");
        List<String> grantees = new ArrayList<>();
        List<String> granteeCalls = new ArrayList<>();
        plan.path("grantees").forEach(g -> {
            grantees.add(g.path("grantee").asText() + " " + g.path("action").asText());
            g.path("calls").forEach(c -> granteeCalls.add(c.asText()));
        });
        assertThat(grantees).containsExactly("arn:aws:iam::" + DEV + ":group/Testers put-policy",
                "arn:aws:iam::" + DEV + ":group/Developers remove-policy");

        crossrole.putGrant(V2);
        assertThat(crossrole.producer("crossrole-grant-stream").process(StreamRecords.modify(V1, V2)).getBatchItemFailures()).isEmpty();
        proxy.resetCounts();
        crossrole.drain();

        for (String account : List.of(A, B, C)) {
            List<String> planned = new ArrayList<>();
            accounts.get(account).path("calls").forEach(c -> planned.add(c.asText()));
            assertThat(writesIn(account)).as("the worker's IAM writes in %s, in order", account).isEqualTo(planned).isNotEmpty();
        }
        assertThat(writesIn(DEV)).as("the grantee policies in %s", DEV).isEqualTo(granteeCalls)
                .containsExactly("PutGroupPolicy", "DeleteGroupPolicy");
        assertThat(accounts.get(A).path("calls")).extracting(JsonNode::asText)
                .startsWith("DetachRolePolicy").contains("DeleteRole", "CreateRole", "AttachRolePolicy");

        proxy.resetCounts();
        assertThat(crossrole("grant", "plan", file.toString(), "--json")).isZero();
        JsonNode after = new ObjectMapper().readTree(out.toString());
        after.path("accounts").forEach(a -> assertThat(a.path("calls")).as("after the worker: nothing left to do in %s",
                a.path("accountId").asText()).isEmpty());
        after.path("grantees").forEach(g -> assertThat(g.path("calls")).isEmpty());
    }

    private List<String> writesIn(String account) {
        return proxy.forwardedIamWrites().stream().filter(w -> w.account().equals(account)).map(FaultyEndpoint.Exchange::action).toList();
    }

    private int crossrole(String... args) {
        out.reset();
        err.reset();
        return Crossrole.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                crossrole.environment());
    }
}
