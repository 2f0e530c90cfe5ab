package io.crossrole.functions.grantstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crossrole.iam.IamRoleReader;
import io.crossrole.policy.ExpiryPolicy;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.PolicyJson;
import io.crossrole.testing.StreamRecords;
import io.crossrole.testing.TestCrossrole;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * The seeds' explicit-deny guard ({@code granteeDeny}) and exact expiry, through the grant stream and the worker:
 * the documents are asserted structurally (moto evaluates none of them).
 */
@ExtendWith(AwsEmulatorExtension.class)
class GranteeDenyAndExpiryIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROD = "111111111111";
    private static final String DEV = "222222222222";
    private static final String ROLE_ARN = "arn:aws:iam::" + PROD + ":role/crossrole-managed/UpdateApp";

    private TestCrossrole crossrole;
    private GrantStreamHandler handler;

    @BeforeEach
    void setUp(Emulator emulator) {
        emulator.reset();
        crossrole = new TestCrossrole(emulator, Map.of());
        handler = new GrantStreamHandler(crossrole.producer(GrantStreamHandler.SESSION_NAME));
        try (IamClient dev = crossrole.observerIam(DEV)) {
            for (String group : List.of("Developers", "Testers", "Contractors")) {
                dev.createGroup(r -> r.groupName(group));
            }
        }
    }

    @AfterEach
    void tearDown() {
        crossrole.close();
    }

    private static String grant(String extra) {
        return """
                {"grantId": "prod-updateapp", "roleName": "UpdateApp", "targets": ["%s"], "trustedPrincipals": ["%s"],
                 "granteeAttach": ["arn:aws:iam::%s:group/Developers"]%s}""".formatted(PROD, DEV, DEV, extra);
    }

    private void put(String before, String after) {
        crossrole.putGrant(after);
        assertThat(handler.handleRequest(before == null ? StreamRecords.insert(after) : StreamRecords.modify(before, after), null)
                .getBatchItemFailures()).isEmpty();
        crossrole.drain();
    }

    @Test
    void granteeDeny_putsAnExplicitDenyOnTheRolesOfTheGrant_keepsItInStep_andRemovesIt() throws Exception {
        String v1 = grant(", \"granteeDeny\": [\"arn:aws:iam::" + DEV + ":group/Testers\"]");
        put(null, v1);

        JsonNode deny = statement(groupPolicy("Testers", "crossrole-deny-prod-updateapp"));
        assertThat(deny.path("Effect").asText()).isEqualTo("Deny");
        assertThat(PolicyJson.texts(deny.path("Action"))).containsExactly("sts:AssumeRole");
        assertThat(PolicyJson.texts(deny.path("Resource"))).containsExactly(ROLE_ARN);
        assertThat(PolicyJson.texts(deny.path("Condition").path("StringEquals").path("aws:ResourceTag/crossrole:grant-id"))).containsExactly("prod-updateapp");
        assertThat(groupPolicies("Testers")).as("nothing else on the denied group").containsExactly("crossrole-deny-prod-updateapp");
        assertThat(groupPolicies("Developers")).containsExactly("crossrole-assume-prod-updateapp");
        assertThat(crossrole.assignment("prod-updateapp", "deny#arn:aws:iam::" + DEV + ":group/Testers").status())
                .isEqualTo(AssignmentStatus.PROVISIONED);

        String v2 = grant(", \"granteeDeny\": [\"arn:aws:iam::" + DEV + ":group/Contractors\"]");
        put(v1, v2);

        assertThat(groupPolicies("Testers")).as("no longer listed: its deny is removed").isEmpty();
        assertThat(groupPolicies("Contractors")).containsExactly("crossrole-deny-prod-updateapp");
        assertThat(crossrole.assignment("prod-updateapp", "deny#arn:aws:iam::" + DEV + ":group/Testers").status())
                .isEqualTo(AssignmentStatus.REVOKED);

        crossrole.deleteGrant("prod-updateapp");
        handler.handleRequest(StreamRecords.remove(v2), null);
        crossrole.drain();

        for (String group : List.of("Developers", "Testers", "Contractors")) {
            assertThat(groupPolicies(group)).as(group).isEmpty();
        }
    }

    @Test
    void aPrincipalInBothLists_isRefusedWithNoWrite() {
        crossrole.calls().clear();

        put(null, grant(", \"granteeDeny\": [\"arn:aws:iam::" + DEV + ":group/Developers\"]"));

        assertThat(crossrole.assignment("prod-updateapp", PROD).status()).isEqualTo(AssignmentStatus.FAILED);
        assertThat(crossrole.assignment("prod-updateapp", PROD).message()).contains("granteeDeny:").contains("is also in granteeAttach");
        assertThat(crossrole.calls().iamWrites()).isEmpty();
    }

    @Test
    void expiresAt_isInTheTrustPolicyAndAnExpiryPolicy_updatedWithTheGrant_andRemovedWithIt() throws Exception {
        Instant first = Instant.now().plusSeconds(86_400).truncatedTo(ChronoUnit.SECONDS);
        String v1 = grant(", \"expiresAt\": " + first.getEpochSecond());
        put(null, v1);

        assertThat(trustExpiry()).containsExactly(first.toString());
        assertThat(expiryPolicyAt()).containsExactly(first.toString());

        Instant second = first.plusSeconds(3_600);
        String v2 = grant(", \"expiresAt\": " + second.getEpochSecond());
        put(v1, v2);

        assertThat(trustExpiry()).containsExactly(second.toString());
        assertThat(expiryPolicyAt()).containsExactly(second.toString());

        String v3 = grant("");
        put(v2, v3);

        assertThat(trustExpiry()).isEmpty();
        try (IamClient prod = crossrole.observerIam(PROD)) {
            assertThat(prod.listRolePolicies(r -> r.roleName("UpdateApp")).policyNames()).doesNotContain(ExpiryPolicy.NAME);
        }
    }

    private List<String> trustExpiry() throws Exception {
        try (IamClient prod = crossrole.observerIam(PROD)) {
            JsonNode trust = JSON.readTree(IamRoleReader.decode(prod.getRole(r -> r.roleName("UpdateApp")).role().assumeRolePolicyDocument()));
            return PolicyJson.texts(statement(trust.toString()).path("Condition").path("DateLessThan").path("aws:CurrentTime"));
        }
    }

    private List<String> expiryPolicyAt() throws Exception {
        try (IamClient prod = crossrole.observerIam(PROD)) {
            JsonNode expiry = statement(IamRoleReader.decode(prod.getRolePolicy(r -> r.roleName("UpdateApp").policyName(ExpiryPolicy.NAME))
                    .policyDocument()));
            assertThat(expiry.path("Effect").asText()).isEqualTo("Deny");
            assertThat(PolicyJson.texts(expiry.path("Action"))).containsExactly("*");
            assertThat(PolicyJson.texts(expiry.path("Resource"))).containsExactly("*");
            return PolicyJson.texts(expiry.path("Condition").path("DateGreaterThan").path("aws:CurrentTime"));
        }
    }

    private List<String> groupPolicies(String group) {
        try (IamClient dev = crossrole.observerIam(DEV)) {
            return dev.listGroupPolicies(r -> r.groupName(group)).policyNames();
        }
    }

    private String groupPolicy(String group, String name) {
        try (IamClient dev = crossrole.observerIam(DEV)) {
            return IamRoleReader.decode(dev.getGroupPolicy(r -> r.groupName(group).policyName(name)).policyDocument());
        }
    }

    private static JsonNode statement(String policy) throws Exception {
        JsonNode s = JSON.readTree(policy).path("Statement");
        return s.isArray() ? s.get(0) : s;
    }

}
