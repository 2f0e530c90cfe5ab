package io.crossrole.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.grant.GrantImages;
import io.crossrole.grant.GrantParser;
import io.crossrole.grant.GrantValidation;
import io.crossrole.grant.GranteeSide;
import io.crossrole.grant.Limits;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.Partition;
import io.crossrole.reconcile.ReconcileRequest.Cause;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentKey;
import io.crossrole.store.AssignmentStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TargetPlannerTest {
    private static final GrantParser PARSER = new GrantParser(Partition.AWS, Limits.DEFAULT, "/crossrole-managed/");
    private static final AccountId PROD = AccountId.of("111111111111");
    private static final AccountId MANAGEMENT = AccountId.of("123456789012");
    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
    private static final Arn DEVELOPERS = Arn.parse("arn:aws:iam::222222222222:group/Developers").orElseThrow();
    private static final String ORG = "o-abc123defg";

    private static GrantValidation grant(String extra) {
        return PARSER.parse(GrantImages.fromJson("""
                {"grantId": "g", "roleName": "UpdateApp", "targets": ["111111111111", "ou-ab12-cdef3456"],
                 "trustedPrincipals": ["222222222222"], "granteeAttach": ["arn:aws:iam::222222222222:group/Developers"]%s}"""
                .formatted(extra)));
    }

    private static AccountPlace active(String... ancestors) {
        return new AccountPlace(PROD, AccountPlace.Membership.ACTIVE, List.of(ancestors), Optional.empty());
    }

    private static Assignment status(AssignmentStatus status, String roleName) {
        return new Assignment("g", new AssignmentKey.Owner(PROD), status, Optional.ofNullable(roleName),
                Optional.empty(), Optional.empty(), "", 1, NOW.minusSeconds(3600));
    }

    private static TargetDecision owner(GrantValidation grant, AccountPlace place, Assignment prior) {
        return TargetPlanner.owner("g", PROD, grant, place, prior, null, Cause.STREAM, NOW, MANAGEMENT);
    }

    @Test
    void owner_whenCoveredAndActive_provisionsTheRoleOnTheManagedPath() {
        TargetDecision d = owner(grant(""), active("r-ab12"), null);

        assertThat(d).isInstanceOfSatisfying(TargetDecision.Provision.class, p -> {
            assertThat(p.desired().roleName()).isEqualTo("UpdateApp");
            assertThat(p.desired().path()).isEqualTo("/crossrole-managed/");
            assertThat(p.renamedFrom()).isEmpty();
        });
    }

    @Test
    void owner_whenTheRoleNameChanged_provisionsTheNewOneAndRemovesTheOld() {
        TargetDecision d = owner(grant(""), active(), status(AssignmentStatus.PROVISIONED, "OldName"));

        assertThat(d).isInstanceOfSatisfying(TargetDecision.Provision.class, p -> assertThat(p.renamedFrom()).contains("OldName"));
    }

    @Test
    void owner_whenAPendingStatusNamesAnotherRole_removesItAsARename() {
        TargetDecision d = owner(grant(""), active(), status(AssignmentStatus.PENDING, "HalfMade"));

        assertThat(d).isInstanceOfSatisfying(TargetDecision.Provision.class, p -> assertThat(p.renamedFrom()).contains("HalfMade"));
    }

    @Test
    void owner_whenOnlyTheRequestNamesAnotherRole_removesItAsARename() {
        TargetDecision d = TargetPlanner.owner("g", PROD, grant(""), active(), status(AssignmentStatus.PROVISIONED, "UpdateApp"),
                "Before", Cause.STREAM, NOW, MANAGEMENT);

        assertThat(d).isInstanceOfSatisfying(TargetDecision.Provision.class, p -> assertThat(p.renamedFrom()).contains("Before"));
    }

    @Test
    void owner_whenARevokedStatusNamesAnotherRole_removesNothing() {
        TargetDecision d = owner(grant(""), active(), status(AssignmentStatus.REVOKED, "Gone"));

        assertThat(d).isInstanceOfSatisfying(TargetDecision.Provision.class, p -> assertThat(p.renamedFrom()).isEmpty());
    }

    @Test
    void owner_whenTheRecordIsGoneAndAPendingStatusNamesNoRole_recordsRevoked() {
        // ConvergenceIT's history (seed -4548892453662354913): PENDING after a throttled read, then the grant was deleted
        TargetDecision d = owner(null, active(), status(AssignmentStatus.PENDING, null));

        assertThat(d).isInstanceOfSatisfying(TargetDecision.Note.class, n -> {
            assertThat(n.status()).isEqualTo(AssignmentStatus.REVOKED);
            assertThat(n.message()).isEqualTo("grant record deleted; nothing of it was here");
        });
    }

    @Test
    void owner_whenTheRecordIsGone_revokesTheRoleItHadThere() {
        TargetDecision d = owner(null, active(), status(AssignmentStatus.PROVISIONED, "UpdateApp"));

        assertThat(d).isEqualTo(new TargetDecision.Revoke("UpdateApp", "grant record deleted"));
    }

    @Test
    void owner_whenTtlRemovedTheRecord_saysTheGrantExpired() {
        TargetDecision d = TargetPlanner.owner("g", PROD, null, active(), null, "UpdateApp",
                Cause.EXPIRY, NOW, MANAGEMENT);

        assertThat(d).isEqualTo(new TargetDecision.Revoke("UpdateApp", "grant expired (TTL removed the record)"));
    }

    @Test
    void owner_whenTheRecordIsGoneAndNothingWasThere_doesNothing() {
        assertThat(owner(null, active(), null)).isInstanceOf(TargetDecision.Nothing.class);
    }

    @Test
    void owner_whenARenamingGrantIsRefused_theStatusKeepsNamingTheRoleThatIsThere() {
        // ConvergenceIT's history (seed 4569483449243202828): the refused record's role name replaced the one there, and
        // the revocation that followed looked for it
        TargetDecision d = owner(grant(", \"maxSessionDuration\": 60"), active(), status(AssignmentStatus.PROVISIONED, "OldName"));

        assertThat(d).isInstanceOfSatisfying(TargetDecision.Note.class, n -> assertThat(n.roleName()).isEqualTo("OldName"));
    }

    @Test
    void owner_whenTheGrantIsRefused_recordsFailedAndKeepsTheRole() {
        TargetDecision d = owner(grant(", \"maxSessionDuration\": 60"), active(), status(AssignmentStatus.PROVISIONED, "UpdateApp"));

        assertThat(d).isInstanceOfSatisfying(TargetDecision.Note.class, n -> {
            assertThat(n.status()).isEqualTo(AssignmentStatus.FAILED);
            assertThat(n.message()).startsWith("grant refused, nothing was written to IAM (its role keeps its last provisioned state): ")
                    .contains("maxSessionDuration");
        });
    }

    @Test
    void owner_whenExpired_revokes() {
        TargetDecision d = owner(grant(", \"expiresAt\": " + Instant.parse("2026-12-01T00:00:00Z").getEpochSecond()), active(),
                status(AssignmentStatus.PROVISIONED, "UpdateApp"));

        assertThat(d).isInstanceOfSatisfying(TargetDecision.Revoke.class,
                r -> assertThat(r.reason()).startsWith("grant expired at 2026-12-01T00:00:00Z"));
    }

    @Test
    void owner_whenTheAccountLeftTheOuAndIsNotNamed_revokesTheRoleItHad() {
        GrantValidation ouOnly = PARSER.parse(GrantImages.fromJson("""
                {"grantId": "g", "roleName": "UpdateApp", "targets": ["ou-ab12-cdef3456"], "trustedPrincipals": ["222222222222"]}"""));

        TargetDecision d = owner(ouOnly, active("ou-ab12-zzzz9999", "r-ab12"), status(AssignmentStatus.PROVISIONED, "UpdateApp"));

        assertThat(d).isEqualTo(new TargetDecision.Revoke("UpdateApp", "account no longer targeted by the grant"));
    }

    @Test
    void owner_whenTheAccountIsProtected_keepsTheRoleAndRecordsFailed() {
        AccountPlace protectedPlace = new AccountPlace(PROD, AccountPlace.Membership.ACTIVE, List.of(), Optional.of("listed in protectedTargets"));

        TargetDecision d = owner(grant(""), protectedPlace, status(AssignmentStatus.PROVISIONED, "UpdateApp"));

        assertThat(d).isInstanceOfSatisfying(TargetDecision.Note.class, n -> {
            assertThat(n.status()).isEqualTo(AssignmentStatus.FAILED);
            assertThat(n.message()).contains("guardrail protectedTargets").contains("left the role as it was");
        });
    }

    @Test
    void owner_whenTheAccountLeftTheOrganization_recordsRevokedWithoutReachingIt() {
        AccountPlace gone = new AccountPlace(PROD, AccountPlace.Membership.ABSENT, List.of(), Optional.empty());

        TargetDecision d = owner(grant(""), gone, status(AssignmentStatus.PROVISIONED, "UpdateApp"));

        assertThat(d).isInstanceOfSatisfying(TargetDecision.Note.class, n -> {
            assertThat(n.status()).isEqualTo(AssignmentStatus.REVOKED);
            assertThat(n.message()).contains("is not in the organization").contains("no longer reaches it");
        });
    }

    @Test
    void owner_whenAGrantNamesAnAccountOutsideTheOrganization_recordsFailedSayingWhy() {
        AccountPlace outside = new AccountPlace(PROD, AccountPlace.Membership.ABSENT, List.of(), Optional.empty());

        TargetDecision d = owner(grant(""), outside, null);

        assertThat(d).isInstanceOfSatisfying(TargetDecision.Note.class, n -> {
            assertThat(n.status()).isEqualTo(AssignmentStatus.FAILED);
            assertThat(n.message()).isEqualTo("account 111111111111 is not in the organization: Crossrole provisions only in the"
                    + " organization's ACTIVE accounts, nothing was written");
        });
    }

    @Test
    void grantee_whenListed_putsAPolicyOfTheGrantAlone() {
        TargetDecision d = TargetPlanner.grantee("g", DEVELOPERS, GranteeSide.ALLOW, grant(""), null, Cause.STREAM, NOW, ORG,
                Partition.AWS);

        assertThat(d).isInstanceOfSatisfying(TargetDecision.PutGranteePolicy.class, p -> assertThat(p.document())
                .contains("arn:aws:iam::*:role/crossrole-managed/UpdateApp").contains(ORG).contains("crossrole:grant-id"));
    }

    @Test
    void grantee_whenNoLongerListed_removesThePolicy() {
        Assignment was = new Assignment("g", new AssignmentKey.Grantee(DEVELOPERS, GranteeSide.ALLOW), AssignmentStatus.PROVISIONED,
                Optional.empty(), Optional.empty(), Optional.empty(), "", 1, NOW);
        GrantValidation without = PARSER.parse(GrantImages.fromJson("""
                {"grantId": "g", "roleName": "UpdateApp", "targets": ["111111111111"], "trustedPrincipals": ["222222222222"]}"""));

        TargetDecision d = TargetPlanner.grantee("g", DEVELOPERS, GranteeSide.ALLOW, without, was, Cause.STREAM, NOW, ORG, Partition.AWS);

        assertThat(d).isEqualTo(new TargetDecision.RemoveGranteePolicy(DEVELOPERS, "no longer in granteeAttach"));
    }

    @Test
    void grantee_whenThePolicyWouldExceedTheUserQuota_recordsFailedAndWritesNothing() {
        Arn user = Arn.parse("arn:aws:iam::222222222222:user/alice").orElseThrow();
        String targets = IntStream.range(0, 80).mapToObj(i -> "\"3%011d\"".formatted(i)).collect(Collectors.joining(", "));
        GrantValidation many = PARSER.parse(GrantImages.fromJson("""
                {"grantId": "g", "roleName": "UpdateApp", "targets": [%s], "trustedPrincipals": ["222222222222"],
                 "granteeAttach": ["arn:aws:iam::222222222222:user/alice"]}""".formatted(targets)));

        TargetDecision d = TargetPlanner.grantee("g", user, GranteeSide.ALLOW, many, null, Cause.STREAM, NOW, ORG,
                Partition.AWS);

        assertThat(d).isInstanceOfSatisfying(TargetDecision.Note.class, n -> {
            assertThat(n.status()).isEqualTo(AssignmentStatus.FAILED);
            assertThat(n.message()).contains("IAM allows 2048 of inline policy on a user").contains("nothing was written");
        });
    }
}
