package io.crossrole.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.grant.GrantImages;
import io.crossrole.grant.GrantParser;
import io.crossrole.grant.GranteeSide;
import io.crossrole.grant.Limits;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.Partition;
import io.crossrole.role.RoleUse;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentKey;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.GrantRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessReportTest {
    private static final GrantParser PARSER = new GrantParser(Partition.AWS, Limits.DEFAULT, "/crossrole-managed/");
    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
    private static final String PROD = "111111111111";
    private static final String STAGE = "333333333333";
    private static final Arn DEVELOPERS = Arn.parse("arn:aws:iam::222222222222:group/Developers").orElseThrow();
    private static final Arn TESTERS = Arn.parse("arn:aws:iam::222222222222:group/Testers").orElseThrow();

    private static final String DEPLOY = """
            {"grantId": "app-deploy", "roleName": "AppDeploy", "targets": ["111111111111", "333333333333"],
             "trustedPrincipals": ["arn:aws:iam::222222222222:role/deployer"], "externalId": "secret-ext-id", "requireMfa": true,
             "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
             "inlinePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
               "Resource": "arn:aws:s3:::app/*"}, {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]},
             "granteeAttach": ["arn:aws:iam::222222222222:group/Developers"], "granteeDeny": ["arn:aws:iam::222222222222:group/Testers"],
             "expiresAt": %d}""".formatted(NOW.plus(Duration.ofDays(3)).getEpochSecond());
    private static final String INTAKE = """
            {"grantId": "intake", "targets": ["111111111111"], "trustedPrincipals": ["444444444444"],
             "resourceArns": ["arn:aws:sqs:us-east-1:111111111111:orders"], "resourceActions": ["sqs:SendMessage"]}""";

    private static GrantRecord record(String json) {
        Map<String, Object> raw = GrantImages.fromJson(json);
        return new GrantRecord((String) raw.get("grantId"), "v1", PARSER.parse(raw), List.of());
    }

    private static Assignment owner(String grantId, String account, AssignmentStatus status, String message, RoleUse used) {
        return new Assignment(grantId, new AssignmentKey.Owner(AccountId.of(account)), status, Optional.of("AppDeploy"),
                Optional.of("arn:aws:iam::" + account + ":role/crossrole-managed/AppDeploy"), Optional.empty(), message, 1,
                NOW.minusSeconds(60), List.of(), Optional.ofNullable(used));
    }

    private static Assignment grantee(Arn principal, GranteeSide side, AssignmentStatus status) {
        return new Assignment("app-deploy", new AssignmentKey.Grantee(principal, side), status, Optional.empty(), Optional.empty(),
                Optional.empty(), "", 1, NOW);
    }

    private static AccessReport report(List<Assignment> statuses) {
        return AccessReport.build(List.of(record(DEPLOY), record(INTAKE)), statuses, NOW, Duration.ofDays(90));
    }

    @Test
    void build_givesOneRowPerGrantAndOwnerAccount_withTheGrantsConditionsAndPermissions() {
        AccessReport report = report(List.of(
                owner("app-deploy", PROD, AssignmentStatus.PROVISIONED, "role matches the grant", null),
                owner("app-deploy", STAGE, AssignmentStatus.FAILED, "cannot reach account", null),
                grantee(DEVELOPERS, GranteeSide.ALLOW, AssignmentStatus.PROVISIONED),
                grantee(TESTERS, GranteeSide.DENY, AssignmentStatus.PROVISIONED)));

        assertThat(report.rows()).extracting(AccessRow::owner).containsExactly(PROD, STAGE);
        AccessRow prod = report.rows().get(0);
        assertThat(prod.kind()).isEqualTo(AccessRow.Kind.ROLE);
        assertThat(prod.access()).containsExactly("arn:aws:iam::111111111111:role/crossrole-managed/AppDeploy");
        assertThat(prod.principals()).containsExactly("arn:aws:iam::222222222222:role/deployer");
        assertThat(prod.requireMfa()).isTrue();
        assertThat(prod.requireExternalId()).isTrue();
        assertThat(prod.permissions()).as("managed ARNs, then the actions the inline policy allows (not the denied ones)")
                .containsExactly("arn:aws:iam::aws:policy/ReadOnlyAccess", "s3:GetObject", "s3:PutObject");
        assertThat(prod.granteeAllow()).containsExactly(DEVELOPERS + " (PROVISIONED)");
        assertThat(prod.granteeDeny()).containsExactly(TESTERS + " (PROVISIONED)");
        assertThat(prod.expiringSoon()).as("expires in 3 days").isTrue();
        assertThat(report.rows().get(1).status()).isEqualTo(AssignmentStatus.FAILED);
        assertThat(report.summary().byStatus()).containsEntry(AssignmentStatus.PROVISIONED, 1).containsEntry(AssignmentStatus.FAILED, 1);
    }

    @Test
    void build_flagsRolesWithNoUseWithinTheWindow_butNotRolesUsedRecently() {
        AccessReport report = report(List.of(
                owner("app-deploy", PROD, AssignmentStatus.PROVISIONED, "", new RoleUse(NOW.minus(Duration.ofDays(3)), Optional.of("eu-west-1"))),
                owner("app-deploy", STAGE, AssignmentStatus.PROVISIONED, "", new RoleUse(NOW.minus(Duration.ofDays(120)), Optional.empty())),
                owner("app-deploy", "012345678901", AssignmentStatus.PROVISIONED, "", null),
                owner("app-deploy", "444444444444", AssignmentStatus.REVOKED, "", null)));

        assertThat(report.rows()).filteredOn(AccessRow::unused).extracting(AccessRow::owner).containsExactlyInAnyOrder(STAGE, "012345678901");
        assertThat(report.rows().stream().filter(r -> r.owner().equals(PROD)).findFirst().orElseThrow().lastUsedRegion())
                .contains("eu-west-1");
        assertThat(report.summary().unused()).isEqualTo(2);
    }

    @Test
    void matrix_mapsEachGranteeAccountToTheOwnerAccountsItCanReachNow() {
        AccessReport report = report(List.of(
                owner("app-deploy", PROD, AssignmentStatus.PROVISIONED, "", null),
                owner("app-deploy", STAGE, AssignmentStatus.REVOKED, "", null),
                new Assignment("intake", new AssignmentKey.Owner(AccountId.of(PROD)), AssignmentStatus.PROVISIONED, Optional.empty(),
                        Optional.empty(), Optional.empty(), "", 1, NOW, List.of("arn:aws:sqs:us-east-1:111111111111:orders"))));

        assertThat(report.matrix()).isEqualTo(Map.of("222222222222", Map.of(PROD, Set.of("app-deploy")),
                "444444444444", Map.of(PROD, Set.of("intake"))));
        AccessRow intake = report.rows().stream().filter(r -> r.grantId().equals("intake")).findFirst().orElseThrow();
        assertThat(intake.kind()).isEqualTo(AccessRow.Kind.RESOURCE);
        assertThat(intake.access()).containsExactly("arn:aws:sqs:us-east-1:111111111111:orders");
        assertThat(intake.unused()).as("a statement has no last use").isFalse();
        assertThat(report.summary().granteeAccounts()).isEqualTo(2);
    }

    @Test
    void build_whenTheGrantRecordIsGone_keepsItsStatusesAsUnknownRows() {
        AccessReport report = AccessReport.build(List.of(), List.of(owner("ghost", PROD, AssignmentStatus.DRIFTED, "orphan", null)), NOW,
                Duration.ofDays(90));

        assertThat(report.rows()).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(AccessRow.Kind.UNKNOWN);
            assertThat(r.message()).isEqualTo("orphan");
        });
    }

    @Test
    void renderings_neverHoldTheExternalId_andEscapeWhatTheTablesHold() {
        AccessReport report = report(List.of(
                owner("app-deploy", PROD, AssignmentStatus.FAILED, "<script>alert(1)</script>, \"quoted\"", null)));

        String html = ReportHtml.render(report);
        String csv = ReportCsv.render(report);
        String json = ReportJson.render(report);
        assertThat(html + csv + json).doesNotContain("secret-ext-id");
        assertThat(html).doesNotContain("<script>alert(1)").contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                .doesNotContain("http://").doesNotContain("https://").doesNotContain("<link").doesNotContain(" src=");
        assertThat(csv.lines().toList()).hasSize(2);
        assertThat(csv.lines().toList().get(1)).contains("\"<script>alert(1)</script>, \"\"quoted\"\"\"");
        assertThat(json).contains("\"requireExternalId\" : true");
    }

    @Test
    void csv_keepsACellThatLooksLikeAFormulaAsText() {
        assertThat(ReportCsv.field("=HYPERLINK(\"x\")")).isEqualTo("\"'=HYPERLINK(\"\"x\"\")\"");
        assertThat(ReportCsv.field("@SUM(A1)")).isEqualTo("'@SUM(A1)");
        assertThat(ReportCsv.field("plain")).isEqualTo("plain");
    }
}
