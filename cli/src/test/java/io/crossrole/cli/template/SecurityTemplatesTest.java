package io.crossrole.cli.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.testing.TestFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the templates promise a security reviewer: the hub and member roles trust exactly the Crossrole roles, every
 * AssumeRole stays inside the organization, the member role writes only Crossrole's roles, the queues take messages
 * only from their producers, the rules only take the management account's events, and the tables cannot be dropped.
 */
class SecurityTemplatesTest {
    private static final SamTemplate STACK = SamTemplate.read(TestFiles.repoRoot().resolve("template.yaml"));
    private static final SamTemplate HUB = SamTemplate.read(TestFiles.repoRoot().resolve("docs/templates/hub-role.yaml"));
    private static final SamTemplate MEMBER = SamTemplate.read(TestFiles.repoRoot().resolve("docs/templates/member-role.yaml"));

    @Test
    void member_trustsExactlyTheNamedRoles_ofTheOrganization_underCrossrolesSessionNames() {
        Map<String, Object> trust = statement(policy(MEMBER.resource("MemberRole").orElseThrow(), "AssumeRolePolicyDocument"),
                "CrossroleHubOrFunctionRoles");

        Map<String, Object> condition = SamTemplate.map(trust.get("Condition"));
        assertThat(condition).containsOnlyKeys("ArnEquals", "StringEquals", "StringLike");
        assertThat(SamTemplate.map(condition.get("ArnEquals"))).isEqualTo(Map.of("aws:PrincipalArn", Map.of("Ref", "TrustedPrincipalArns")));
        assertThat(SamTemplate.map(condition.get("StringEquals"))).isEqualTo(Map.of("aws:PrincipalOrgID", Map.of("Ref", "OrganizationId")));
        assertThat(SamTemplate.map(condition.get("StringLike"))).isEqualTo(Map.of("sts:RoleSessionName", "crossrole-*"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void member_createsAndChangesOnlyRolesOnCrossrolesPath_thatCarryItsTag() {
        Map<String, Object> policy = inlinePolicy(MEMBER.resource("MemberRole").orElseThrow());
        Map<String, Object> create = statement(policy, "CreateRolesOnlyOnCrossrolesPathTaggedAsCrossrole");
        Map<String, Object> manage = statement(policy, "ManageOnlyCrossrolesRoles");
        Map<String, Object> profiles = statement(policy, "DetachOwnRolesFromInstanceProfiles");

        assertThat(create.get("Action")).isEqualTo(List.of("iam:CreateRole", "iam:TagRole"));
        assertThat(create.get("Resource")).isEqualTo(Map.of("Fn::Sub", "arn:${AWS::Partition}:iam::${AWS::AccountId}:role${ManagedRolePath}*"));
        assertThat(create.get("Condition")).isEqualTo(Map.of("StringEquals", Map.of("aws:RequestTag/crossrole:managed-by", "crossrole")));
        assertThat(manage.get("Resource")).isEqualTo(create.get("Resource"));
        assertThat(manage.get("Condition")).isEqualTo(Map.of("StringEquals", Map.of("aws:ResourceTag/crossrole:managed-by", "crossrole")));
        assertThat((List<Object>) manage.get("Action")).contains("iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy",
                "iam:DetachRolePolicy", "iam:DeleteRole", "iam:TagRole", "iam:UntagRole", "iam:PutRolePermissionsBoundary");
        assertThat(profiles.get("Resource")).isEqualTo(Map.of("Fn::Sub",
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile${ManagedRolePath}*"));
        List<Map<String, Object>> allows = statements(policy).stream().filter(s -> "Allow".equals(s.get("Effect"))).toList();
        assertThat(allows).as("no write is allowed on role/* or *").allSatisfy(s -> {
            if (!"ReadIam".equals(s.get("Sid"))) {
                assertThat(String.valueOf(s.get("Resource"))).doesNotContain(":role/*").isNotEqualTo("*");
            }
        });
    }

    @Test
    void member_writesNoGranteePolicyByDefault() {
        for (String parameter : List.of("GranteeGroupNames", "GranteeUserNames", "GranteeRoleNames")) {
            assertThat(SamTemplate.map(MEMBER.parameters().get(parameter)).get("Default")).as(parameter).isEqualTo("");
        }
    }

    @Test
    void hub_trustsExactlyTheFunctionRoles_andAssumesOnlyInsideTheOrganization() {
        Map<String, Object> hub = HUB.resource("HubRole").orElseThrow();
        Map<String, Object> trust = statement(policy(hub, "AssumeRolePolicyDocument"), "CrossroleFunctionRoles");
        Map<String, Object> assume = statement(inlinePolicy(hub), "AssumeMemberRoleInOrganization");

        assertThat(SamTemplate.map(SamTemplate.map(trust.get("Condition")).get("ArnEquals")))
                .isEqualTo(Map.of("aws:PrincipalArn", Map.of("Ref", "FunctionRoleArns")));
        assertThat(SamTemplate.map(trust.get("Condition"))).doesNotContainKey("ArnLike");
        assertThat(assume.get("Condition")).isEqualTo(Map.of("StringEquals", Map.of("aws:ResourceOrgID", Map.of("Ref", "OrganizationId"))));
    }

    @Test
    void stack_onlyTheWorkersAssumeRoles_andOnlyInsideTheOrganization_whichIsRequired() {
        assertThat(SamTemplate.map(STACK.parameters().get("OrganizationId"))).doesNotContainKey("Default");
        List<String> roles = STACK.resourcesOfType("AWS::IAM::Role");
        assertThat(roles).hasSize(5);
        List<String> reaching = new ArrayList<>();
        for (String role : roles) {
            List<Map<String, Object>> assumes = statements(inlinePolicy(STACK.resource(role).orElseThrow())).stream()
                    .filter(st -> String.valueOf(st.get("Action")).contains("sts:AssumeRole")).toList();
            if (assumes.isEmpty()) {
                continue;
            }
            reaching.add(role);
            assertThat(assumes).as(role).singleElement().satisfies(assume -> {
                assertThat(assume.get("Sid")).isEqualTo("AssumeHubOrMemberRole");
                assertThat(assume.get("Condition")).isEqualTo(Map.of("StringEquals", Map.of("aws:ResourceOrgID", Map.of("Ref", "OrganizationId"))));
            });
        }
        assertThat(reaching).as("the producers only queue: no AssumeRole").containsExactlyInAnyOrder("ReconcileWorkerFunctionRole",
                "DriftCheckWorkerFunctionRole");
        assertThat(STACK.outputs()).doesNotContainKey("FunctionRoleArnPattern").containsKey("FunctionRoleArns");
        assertThat(String.valueOf(STACK.outputs().get("FunctionRoleArns"))).contains("ReconcileWorkerFunctionRole.Arn")
                .contains("DriftCheckWorkerFunctionRole.Arn").doesNotContain("GrantStreamFunctionRole").doesNotContain("AccountEventsFunctionRole");
    }

    @Test
    @SuppressWarnings("unchecked")
    void stack_reconcileQueuesTakeRequestsOnlyFromTheFourProducers() {
        Map<String, Object> properties = SamTemplate.map(STACK.resource("ReconcileQueuePolicy").orElseThrow().get("Properties"));
        Map<String, Object> statement = statements(SamTemplate.map(properties.get("PolicyDocument"))).get(0);

        assertThat((List<Object>) properties.get("Queues")).containsExactly(Map.of("Ref", "ReconcileQueue"), Map.of("Ref", "ReconcileBulkQueue"));
        assertThat(statement.get("Effect")).isEqualTo("Deny");
        assertThat(statement.get("Action")).isEqualTo("sqs:SendMessage");
        assertThat(SamTemplate.map(SamTemplate.map(statement.get("Condition")).get("ArnNotEquals")).get("aws:PrincipalArn"))
                .isEqualTo(List.of(Map.of("Fn::GetAtt", "GrantStreamFunctionRole.Arn"), Map.of("Fn::GetAtt", "AccountEventsFunctionRole.Arn"),
                        Map.of("Fn::GetAtt", "DriftCheckFunctionRole.Arn"), Map.of("Fn::GetAtt", "DriftCheckWorkerFunctionRole.Arn")));
        for (String queue : List.of("ReconcileQueue", "ReconcileBulkQueue")) {
            Map<String, Object> q = SamTemplate.map(STACK.resource(queue).orElseThrow().get("Properties"));
            assertThat(q).as(queue).containsEntry("FifoQueue", true).containsEntry("ContentBasedDeduplication", false);
            assertThat(SamTemplate.map(q.get("RedrivePolicy"))).containsEntry("maxReceiveCount", 15);
        }
    }

    @Test
    void stack_queuesTakeMessagesOnlyFromTheirProducers() {
        Map<String, String> producers = Map.of("DriftCheckQueuePolicy", "DriftCheckFunctionRole.Arn",
                "GrantStreamFailuresQueuePolicy", "GrantStreamFunctionRole.Arn",
                "AccountEventsFailuresQueuePolicy", "AccountEventsFunctionRole.Arn");
        producers.forEach((policy, producer) -> {
            Map<String, Object> statement = statements(SamTemplate.map(SamTemplate.map(
                    STACK.resource(policy).orElseThrow().get("Properties")).get("PolicyDocument"))).get(0);
            assertThat(statement.get("Effect")).isEqualTo("Deny");
            assertThat(statement.get("Action")).isEqualTo("sqs:SendMessage");
            assertThat(statement.get("Condition")).isEqualTo(Map.of("ArnNotEquals", Map.of("aws:PrincipalArn", Map.of("Fn::GetAtt", producer))));
        });
    }

    @Test
    void stack_rulesTakeOnlyTheManagementAccountsEvents_andTheTablesCannotBeDropped() {
        Map<String, Object> events = SamTemplate.map(STACK.functionProperty("AccountEventsFunction", "Events").orElseThrow());
        assertThat(events).isNotEmpty();
        events.forEach((name, event) -> {
            Map<String, Object> pattern = SamTemplate.map(SamTemplate.map(SamTemplate.map(event).get("Properties")).get("Pattern"));
            assertThat(pattern).as(name).containsKey("account");
        });
        for (String table : STACK.resourcesOfType("AWS::DynamoDB::Table")) {
            Map<String, Object> t = STACK.resource(table).orElseThrow();
            assertThat(SamTemplate.map(t.get("Properties")).get("DeletionProtectionEnabled")).as(table).isEqualTo(true);
            assertThat(t.get("DeletionPolicy")).as(table).isEqualTo("Retain");
        }
    }

    @Test
    void stack_everyFunctionGetsTheGuardrailsAndTheManagedPath() {
        for (String function : STACK.resourcesOfType("AWS::Serverless::Function")) {
            Map<String, Object> vars = SamTemplate.map(SamTemplate.map(STACK.functionProperty(function, "Environment").orElseThrow())
                    .get("Variables"));
            assertThat(vars).as(function).containsEntry("CROSSROLE_GUARDRAILS", Map.of("Ref", "Guardrails"))
                    .containsEntry("MANAGED_ROLE_PATH", Map.of("Ref", "ManagedRolePath"))
                    .containsEntry("CROSSROLE_ACCOUNT_ID", Map.of("Ref", "AWS::AccountId"));
        }
    }

    @Test
    void stack_onlyTheScheduledDriftCheckMayWriteTheReport_oneObject_andOnlyWhenABucketIsGiven() {
        Map<String, Object> parameter = SamTemplate.map(STACK.parameters().get("ReportBucket"));
        assertThat(parameter).containsEntry("Default", "");
        for (String function : STACK.resourcesOfType("AWS::Serverless::Function")) {
            Map<String, Object> vars = SamTemplate.map(SamTemplate.map(STACK.functionProperty(function, "Environment").orElseThrow())
                    .get("Variables"));
            assertThat(vars.containsKey("REPORT_BUCKET")).as(function).isEqualTo(function.equals("DriftCheckFunction"));
        }
        for (String role : STACK.resourcesOfType("AWS::IAM::Role")) {
            List<Map<String, Object>> writes = statements(inlinePolicy(STACK.resource(role).orElseThrow())).stream()
                    .filter(st -> String.valueOf(st.get("Action")).contains("s3:")).toList();
            if (role.equals("DriftCheckFunctionRole")) {
                assertThat(writes).singleElement().satisfies(st -> {
                    assertThat(st.get("Action")).isEqualTo("s3:PutObject");
                    assertThat(st.get("Resource")).isEqualTo(Map.of("Fn::Sub",
                            "arn:${AWS::Partition}:s3:::${ReportBucket}/crossrole/access-report.json"));
                });
            } else {
                assertThat(writes).as(role).noneMatch(st -> String.valueOf(st.get("Action")).contains("s3:PutObject"));
            }
        }
    }

    private static Map<String, Object> policy(Map<String, Object> role, String property) {
        return SamTemplate.map(SamTemplate.map(role.get("Properties")).get(property));
    }

    private static Map<String, Object> inlinePolicy(Map<String, Object> role) {
        List<?> policies = (List<?>) SamTemplate.map(role.get("Properties")).get("Policies");
        return SamTemplate.map(SamTemplate.map(policies.get(0)).get("PolicyDocument"));
    }

    /** The statements, with the Fn::If of an optional statement resolved to its first branch. */
    private static List<Map<String, Object>> statements(Map<String, Object> policy) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object s : (List<?>) policy.get("Statement")) {
            Map<String, Object> statement = SamTemplate.map(s);
            if (statement.containsKey("Fn::If")) {
                statement = SamTemplate.map(((List<?>) statement.get("Fn::If")).get(1));
            }
            out.add(statement);
        }
        return out;
    }

    private static Map<String, Object> statement(Map<String, Object> policy, String sid) {
        return statements(policy).stream().filter(s -> sid.equals(s.get("Sid"))).findFirst()
                .orElseThrow(() -> new AssertionError("no statement " + sid));
    }
}
