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
import io.crossrole.org.OrganizationView;
import io.crossrole.reconcile.ReconcileKey;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentKey;
import io.crossrole.store.AssignmentStatus;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GrantPlannerTest {
    private static final GrantParser PARSER = new GrantParser(Partition.AWS, Limits.DEFAULT, "/crossrole-managed/");
    private static final AccountId A = AccountId.of("111111111111");
    private static final AccountId B = AccountId.of("012345678901");
    private static final AccountId C = AccountId.of("444444444444");
    private static final Arn DEVELOPERS = Arn.parse("arn:aws:iam::222222222222:group/Developers").orElseThrow();
    private static final Arn TESTERS = Arn.parse("arn:aws:iam::222222222222:group/Testers").orElseThrow();

    private static GrantValidation parse(String json) {
        return PARSER.parse(GrantImages.fromJson(json));
    }

    private static Assignment status(AssignmentKey key, AssignmentStatus status, String roleName) {
        return new Assignment("g", key, status, Optional.ofNullable(roleName), Optional.empty(), Optional.empty(), "", 1, Instant.EPOCH);
    }

    private static OrganizationView.Expansion covers(AccountId... accounts) {
        return new OrganizationView.Expansion(new LinkedHashSet<>(List.of(accounts)), Map.of());
    }

    @Test
    void plan_whenTargetsChange_reconcilesEveryAccountCoveredNowAndEveryAccountAppliedBefore() {
        GrantValidation grant = parse("""
                {"grantId": "g", "roleName": "R", "targets": ["ou-ab12-cdef3456"], "trustedPrincipals": ["222222222222"],
                 "granteeAttach": ["arn:aws:iam::222222222222:group/Developers"]}""");
        List<Assignment> prior = List.of(status(new AssignmentKey.Owner(C), AssignmentStatus.PROVISIONED, "OldName"),
                status(new AssignmentKey.Owner(B), AssignmentStatus.REVOKED, "R"),
                status(new AssignmentKey.Grantee(TESTERS, GranteeSide.ALLOW), AssignmentStatus.PROVISIONED, null));

        GrantPlanner.GrantPlan plan = GrantPlanner.plan("g", grant, covers(A), prior);

        assertThat(plan.keys()).extracting(GrantPlanner.PlannedKey::key).containsExactly(
                new ReconcileKey.OwnerAccount("g", A), new ReconcileKey.Grantee("g", DEVELOPERS, GranteeSide.ALLOW),
                new ReconcileKey.OwnerAccount("g", C), new ReconcileKey.Grantee("g", TESTERS, GranteeSide.ALLOW));
        assertThat(plan.keys().get(2).roleName()).as("the role a revocation needs").contains("OldName");
        assertThat(plan.refusal()).isEmpty();
    }

    @Test
    void plan_whenTheRecordIsGone_reconcilesOnlyWhatWasApplied() {
        List<Assignment> prior = List.of(status(new AssignmentKey.Owner(A), AssignmentStatus.PROVISIONED, "R"),
                status(new AssignmentKey.Owner(B), AssignmentStatus.FAILED, "R"));

        GrantPlanner.GrantPlan plan = GrantPlanner.plan("g", null, null, prior);

        assertThat(plan.keys()).extracting(GrantPlanner.PlannedKey::key)
                .containsExactly(new ReconcileKey.OwnerAccount("g", A), new ReconcileKey.OwnerAccount("g", B));
    }

    @Test
    void plan_whenRefusedWithNoUsableAccount_carriesTheRefusalForTheGrantLevelStatus() {
        GrantValidation refused = parse("""
                {"grantId": "g", "roleName": "no spaces", "targets": [111111111111], "trustedPrincipals": ["222222222222"]}""");

        GrantPlanner.GrantPlan plan = GrantPlanner.plan("g", refused, null, List.of());

        assertThat(plan.keys()).isEmpty();
        assertThat(plan.refusal()).hasValueSatisfying(r -> assertThat(r).contains("roleName:").contains("targets[0]:"));
    }

    @Test
    void plan_whenRefusedNamingAccounts_reconcilesThemSoEachRecordsTheRefusal() {
        GrantValidation refused = parse("""
                {"grantId": "g", "roleName": "no spaces", "targets": ["111111111111"], "trustedPrincipals": ["222222222222"]}""");

        GrantPlanner.GrantPlan plan = GrantPlanner.plan("g", refused, null, List.of());

        assertThat(plan.keys()).extracting(GrantPlanner.PlannedKey::key).containsExactly(new ReconcileKey.OwnerAccount("g", A));
        assertThat(plan.refusal()).isEmpty();
    }

    @Test
    void plan_whenAnUnresolvedTargetResolvesAndARefusalClears_saysSo() {
        GrantValidation grant = parse("""
                {"grantId": "g", "roleName": "R", "targets": ["ou-ab12-cdef3456"], "trustedPrincipals": ["222222222222"]}""");
        List<Assignment> prior = List.of(status(new AssignmentKey.Target("ou-ab12-cdef3456"), AssignmentStatus.FAILED, "R"),
                status(new AssignmentKey.GrantLevel(), AssignmentStatus.FAILED, null));

        GrantPlanner.GrantPlan plan = GrantPlanner.plan("g", grant, covers(A), prior);

        assertThat(plan.resolved()).containsExactly("ou-ab12-cdef3456");
        assertThat(plan.refusalCleared()).isTrue();
        assertThat(plan.unresolved()).isEmpty();
    }
}
