package io.crossrole.role;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.grant.Grant;
import io.crossrole.model.AccountId;
import io.crossrole.model.Partition;
import io.crossrole.model.Principal;
import io.crossrole.model.Target;
import io.crossrole.role.RoleOperation.AttachManagedPolicy;
import io.crossrole.role.RoleOperation.CreateRole;
import io.crossrole.role.RoleOperation.DeleteInlinePolicy;
import io.crossrole.role.RoleOperation.DeletePermissionsBoundary;
import io.crossrole.role.RoleOperation.DeleteRole;
import io.crossrole.role.RoleOperation.DetachManagedPolicy;
import io.crossrole.role.RoleOperation.PutInlinePolicy;
import io.crossrole.role.RoleOperation.PutPermissionsBoundary;
import io.crossrole.role.RoleOperation.RemoveFromInstanceProfile;
import io.crossrole.role.RoleOperation.TagRole;
import io.crossrole.role.RoleOperation.UntagRole;
import io.crossrole.role.RoleOperation.UpdateRole;
import io.crossrole.role.RoleOperation.UpdateTrustPolicy;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RolePlannerTest {

    private static final String GRANT_ID = "prod-updateapp";
    private static final String READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    private static final String DEPLOY = "arn:aws:iam::111111111111:policy/AppDeploy";
    private static final String BOUNDARY = "arn:aws:iam::111111111111:policy/Boundary";
    private static final String INLINE = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
            + "\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],\"Resource\":\"arn:aws:s3:::productionapp/*\"}]}";
    private static final String INLINE_NAME = DesiredRole.INLINE_POLICY_NAME;

    @Test
    void hash_whenTagsDifferOnlyInWhereTheEqualsSignFalls_differs() {
        DesiredRole a = DesiredRole.of(Grant.builder().grantId(GRANT_ID).roleName("R").addTarget(Target.parse("111111111111"))
                .addTrustedPrincipal(Principal.parse("222222222222", Partition.AWS)).putTag("k=v", "x").build(), AccountId.of("111111111111"));
        DesiredRole b = DesiredRole.of(Grant.builder().grantId(GRANT_ID).roleName("R").addTarget(Target.parse("111111111111"))
                .addTrustedPrincipal(Principal.parse("222222222222", Partition.AWS)).putTag("k", "v=x").build(), AccountId.of("111111111111"));

        assertThat(a.hash()).isNotEqualTo(b.hash());
    }

    private static Grant.Builder grantBuilder() {
        return Grant.builder()
                .grantId(GRANT_ID)
                .roleName("UpdateApp")
                .rolePath("/crossrole/")
                .addTarget(Target.parse("111111111111"))
                .addTrustedPrincipal(Principal.parse("222222222222", Partition.AWS))
                .addTrustedPrincipal(Principal.parse("arn:aws:iam::333333333333:role/ops/Deployer", Partition.AWS))
                .addManagedPolicyArn(READ_ONLY)
                .addManagedPolicyArn(DEPLOY)
                .inlinePolicy(INLINE)
                .permissionsBoundaryArn(BOUNDARY)
                .externalId("Unique-3rd-party-ID-12345")
                .requireMfa(true)
                .maxSessionDuration(7200)
                .description("Lets developers update the production app")
                .putTag("team", "apps");
    }

    private static DesiredRole desired() {
        return DesiredRole.of(grantBuilder().build(), AccountId.of("111111111111"));
    }

    /** The role exactly as IAM would report it after Crossrole created it for {@link #desired()}. */
    private static Actual mirror(DesiredRole d) {
        return new Actual(d.roleName(), d.path(), d.trustPolicy(), Optional.of(d.description()), d.maxSessionDuration(),
                d.permissionsBoundaryArn(), new HashSet<>(d.managedPolicyArns()), new HashMap<>(d.inlinePolicies()),
                new HashMap<>(d.tags()), List.of());
    }

    /** A mutable stand-in for ActualRole, to express each case as one change. */
    private record Actual(String roleName, String path, String trustPolicy, Optional<String> description,
                          int maxSessionDuration, Optional<String> boundary, Set<String> managed,
                          Map<String, String> inline, Map<String, String> tags, List<String> instanceProfiles) {
        ActualRole build() {
            return new ActualRole(roleName, path, "AROAEXAMPLEID", "arn:aws:iam::111111111111:role" + path + roleName,
                    trustPolicy, description, maxSessionDuration, boundary, managed, inline, tags, instanceProfiles);
        }

        Actual withPath(String v) {
            return new Actual(roleName, v, trustPolicy, description, maxSessionDuration, boundary, managed, inline, tags, instanceProfiles);
        }

        Actual withTrust(String v) {
            return new Actual(roleName, path, v, description, maxSessionDuration, boundary, managed, inline, tags, instanceProfiles);
        }

        Actual withDescription(Optional<String> v) {
            return new Actual(roleName, path, trustPolicy, v, maxSessionDuration, boundary, managed, inline, tags, instanceProfiles);
        }

        Actual withMaxSession(int v) {
            return new Actual(roleName, path, trustPolicy, description, v, boundary, managed, inline, tags, instanceProfiles);
        }

        Actual withBoundary(Optional<String> v) {
            return new Actual(roleName, path, trustPolicy, description, maxSessionDuration, v, managed, inline, tags, instanceProfiles);
        }

        Actual withInstanceProfiles(List<String> v) {
            return new Actual(roleName, path, trustPolicy, description, maxSessionDuration, boundary, managed, inline, tags, v);
        }
    }

    private static List<RoleOperation> apply(PlanDecision decision) {
        assertThat(decision).isInstanceOf(PlanDecision.Apply.class);
        return ((PlanDecision.Apply) decision).plan().operations();
    }

    private static List<RoleOperation> plan(Actual actual, DesiredRole desired) {
        PlanDecision decision = RolePlanner.reconcile(actual.build(), desired);
        assertThat(decision).isInstanceOf(PlanDecision.Apply.class);
        RolePlan plan = ((PlanDecision.Apply) decision).plan();
        assertThat(plan.roleName()).isEqualTo(desired.roleName());
        return plan.operations();
    }

    // ---------------------------------------------------------------- creation and no-op

    @Test
    void create_whenRoleIsAbsent_createsThenPutsInlineThenAttachesManagedPolicies() {
        DesiredRole desired = desired();

        List<RoleOperation> ops = apply(RolePlanner.create(desired));

        assertThat(ops).containsExactly(
                new CreateRole(desired),
                new PutInlinePolicy(INLINE_NAME, INLINE),
                new AttachManagedPolicy(DEPLOY),
                new AttachManagedPolicy(READ_ONLY));
    }

    @Test
    void create_whenRoleIsAbsentAndGrantHasNoPolicies_onlyCreates() {
        DesiredRole desired = DesiredRole.of(Grant.builder().grantId(GRANT_ID).roleName("Bare")
                .addTarget(Target.parse("111111111111")).addTrustedPrincipal(Principal.parse("222222222222", Partition.AWS)).build(), AccountId.of("111111111111"));

        assertThat(apply(RolePlanner.create(desired))).containsExactly(new CreateRole(desired));
    }

    @Test
    void reconcile_whenRoleMatches_plansNothing() {
        DesiredRole desired = desired();

        PlanDecision decision = RolePlanner.reconcile(mirror(desired).build(), desired);

        assertThat(apply(decision)).isEmpty();
        assertThat(((PlanDecision.Apply) decision).plan().isEmpty()).isTrue();
        assertThat(RoleDrift.describe(mirror(desired).build(), desired)).isEmpty();
    }

    @Test
    void reconcile_whenTrustAndInlineAreUrlEncodedAndReordered_plansNothing() {
        DesiredRole desired = desired();
        String reorderedTrust = """
                {"Statement":[{"Condition":{"Bool":{"aws:MultiFactorAuthPresent":["true"]},
                  "StringEquals":{"sts:ExternalId":"Unique-3rd-party-ID-12345"}},
                  "Action":["sts:AssumeRole"],
                  "Principal":{"AWS":["arn:aws:iam::333333333333:role/ops/Deployer","arn:aws:iam::222222222222:root"]},
                  "Effect":"Allow"}],"Version":"2012-10-17"}""";
        String reorderedInline = """
                {"Version":"2012-10-17","Statement":{"Resource":["arn:aws:s3:::productionapp/*"],
                  "Action":["s3:PutObject","s3:GetObject"],"Effect":"Allow"}}""";
        assertThat(reorderedTrust).isNotEqualTo(desired.trustPolicy());
        Actual actual = mirror(desired).withTrust(URLEncoder.encode(reorderedTrust, StandardCharsets.UTF_8));
        actual.inline().put(INLINE_NAME, URLEncoder.encode(reorderedInline, StandardCharsets.UTF_8));

        assertThat(plan(actual, desired)).isEmpty();
    }

    // ---------------------------------------------------------------- single differences

    @Test
    void reconcile_whenTrustDiffers_onlyUpdatesTrustPolicy() {
        DesiredRole desired = desired();
        String other = desired.trustPolicy().replace("222222222222", "444444444444");
        assertThat(other).isNotEqualTo(desired.trustPolicy());

        assertThat(plan(mirror(desired).withTrust(other), desired))
                .containsExactly(new UpdateTrustPolicy(desired.trustPolicy()));
    }

    @Test
    void reconcile_whenTrustLacksMfaCondition_onlyUpdatesTrustPolicy() {
        DesiredRole desired = desired();
        String withoutMfa = DesiredRole.of(grantBuilder().requireMfa(false).build(), AccountId.of("111111111111")).trustPolicy();

        assertThat(plan(mirror(desired).withTrust(withoutMfa), desired))
                .containsExactly(new UpdateTrustPolicy(desired.trustPolicy()));
    }

    @Test
    void reconcile_whenDescriptionDiffers_updatesRoleOnce() {
        DesiredRole desired = desired();

        assertThat(plan(mirror(desired).withDescription(Optional.of("old text")), desired))
                .containsExactly(new UpdateRole("Lets developers update the production app", 7200));
    }

    @Test
    void reconcile_whenDescriptionIsMissing_updatesRoleOnce() {
        DesiredRole desired = desired();

        assertThat(plan(mirror(desired).withDescription(Optional.empty()), desired))
                .containsExactly(new UpdateRole("Lets developers update the production app", 7200));
    }

    @Test
    void reconcile_whenMaxSessionDiffers_updatesRoleOnce() {
        DesiredRole desired = desired();

        assertThat(plan(mirror(desired).withMaxSession(3600), desired))
                .containsExactly(new UpdateRole("Lets developers update the production app", 7200));
    }

    @Test
    void reconcile_whenDescriptionAndMaxSessionBothDiffer_updatesRoleOnlyOnce() {
        DesiredRole desired = desired();

        assertThat(plan(mirror(desired).withDescription(Optional.of("old")).withMaxSession(43200), desired))
                .containsExactly(new UpdateRole("Lets developers update the production app", 7200));
    }

    @Test
    void reconcile_whenBoundaryIsAdded_putsBoundary() {
        DesiredRole desired = desired();

        assertThat(plan(mirror(desired).withBoundary(Optional.empty()), desired))
                .containsExactly(new PutPermissionsBoundary(BOUNDARY));
    }

    @Test
    void reconcile_whenBoundaryChanged_putsTheDesiredBoundary() {
        DesiredRole desired = desired();

        assertThat(plan(mirror(desired).withBoundary(Optional.of("arn:aws:iam::111111111111:policy/OldBoundary")), desired))
                .containsExactly(new PutPermissionsBoundary(BOUNDARY));
    }

    @Test
    void reconcile_whenBoundaryIsRemovedFromGrant_deletesBoundary() {
        DesiredRole desired = DesiredRole.of(grantBuilder().permissionsBoundaryArn(null).build(), AccountId.of("111111111111"));
        Actual actual = mirror(desired).withBoundary(Optional.of(BOUNDARY));

        assertThat(plan(actual, desired)).containsExactly(new DeletePermissionsBoundary());
    }

    @Test
    void reconcile_whenInlinePolicyChanged_putsIt() {
        DesiredRole desired = desired();
        Actual actual = mirror(desired);
        actual.inline().put(INLINE_NAME, INLINE.replace("s3:PutObject", "s3:DeleteObject"));

        assertThat(plan(actual, desired)).containsExactly(new PutInlinePolicy(INLINE_NAME, INLINE));
    }

    @Test
    void reconcile_whenInlinePolicyIsMissing_putsIt() {
        DesiredRole desired = desired();
        Actual actual = mirror(desired);
        actual.inline().clear();

        assertThat(plan(actual, desired)).containsExactly(new PutInlinePolicy(INLINE_NAME, INLINE));
    }

    @Test
    void reconcile_whenRoleHasExtraInlinePolicies_deletesThem() {
        DesiredRole desired = desired();
        Actual actual = mirror(desired);
        actual.inline().put("zz-added-by-hand", INLINE);
        actual.inline().put("aa-added-by-hand", INLINE);

        assertThat(plan(actual, desired)).containsExactly(
                new DeleteInlinePolicy("aa-added-by-hand"),
                new DeleteInlinePolicy("zz-added-by-hand"));
    }

    @Test
    void reconcile_whenGrantDropsItsInlinePolicy_deletesIt() {
        DesiredRole desired = DesiredRole.of(grantBuilder().inlinePolicy(null).build(), AccountId.of("111111111111"));
        Actual actual = mirror(desired);
        actual.inline().put(INLINE_NAME, INLINE);

        assertThat(plan(actual, desired)).containsExactly(new DeleteInlinePolicy(INLINE_NAME));
    }

    @Test
    void reconcile_whenManagedPolicyIsMissing_attachesIt() {
        DesiredRole desired = desired();
        Actual actual = mirror(desired);
        actual.managed().remove(DEPLOY);

        assertThat(plan(actual, desired)).containsExactly(new AttachManagedPolicy(DEPLOY));
    }

    @Test
    void reconcile_whenExtraManagedPolicyIsAttached_detachesIt() {
        DesiredRole desired = desired();
        Actual actual = mirror(desired);
        actual.managed().add("arn:aws:iam::aws:policy/AdministratorAccess");

        assertThat(plan(actual, desired)).containsExactly(new DetachManagedPolicy("arn:aws:iam::aws:policy/AdministratorAccess"));
    }

    @Test
    void reconcile_whenManagedPolicyIsSwapped_attachesBeforeDetaching() {
        DesiredRole desired = desired();
        Actual actual = mirror(desired);
        actual.managed().remove(READ_ONLY);
        actual.managed().add("arn:aws:iam::aws:policy/AdministratorAccess");

        assertThat(plan(actual, desired)).containsExactly(
                new AttachManagedPolicy(READ_ONLY),
                new DetachManagedPolicy("arn:aws:iam::aws:policy/AdministratorAccess"));
    }

    @Test
    void reconcile_whenTagValueChanged_tagsExactlyThatTag() {
        DesiredRole desired = desired();
        Actual actual = mirror(desired);
        actual.tags().put("team", "old-team");

        assertThat(plan(actual, desired)).containsExactly(new TagRole(Map.of("team", "apps")));
    }

    @Test
    void reconcile_whenTagsAreMissing_tagsExactlyTheMissingOnes() {
        DesiredRole desired = desired();
        Actual actual = mirror(desired);
        actual.tags().remove("team");

        assertThat(plan(actual, desired)).containsExactly(new TagRole(Map.of("team", "apps")));
    }

    @Test
    void reconcile_whenExtraTags_untagsExactlyTheExtraKeys() {
        DesiredRole desired = desired();
        Actual actual = mirror(desired);
        actual.tags().put("owner", "someone");
        actual.tags().put("note", "hand-made");

        assertThat(plan(actual, desired)).containsExactly(new UntagRole(Set.of("note", "owner")));
    }

    @Test
    void reconcile_whenTagsChangedAddedAndRemoved_tagsThenUntags() {
        DesiredRole desired = DesiredRole.of(grantBuilder().putTag("env", "prod").build(), AccountId.of("111111111111"));
        Actual actual = mirror(desired);
        actual.tags().remove("env");
        actual.tags().put("team", "old");
        actual.tags().put("stale", "x");

        assertThat(plan(actual, desired)).containsExactly(
                new TagRole(Map.of("env", "prod", "team", "apps")),
                new UntagRole(Set.of("stale")));
    }

    @Test
    void reconcile_whenEverythingDiffers_ordersOperationsStably() {
        DesiredRole desired = desired();
        Actual actual = mirror(desired)
                .withTrust(desired.trustPolicy().replace("222222222222", "444444444444"))
                .withMaxSession(3600)
                .withBoundary(Optional.empty());
        actual.inline().put(INLINE_NAME, INLINE.replace("s3:PutObject", "s3:DeleteObject"));
        actual.inline().put("extra", INLINE);
        actual.managed().remove(DEPLOY);
        actual.managed().add("arn:aws:iam::aws:policy/AdministratorAccess");
        actual.tags().put("team", "old");
        actual.tags().put("stale", "x");

        assertThat(plan(actual, desired)).containsExactly(
                new UpdateTrustPolicy(desired.trustPolicy()),
                new UpdateRole(desired.description(), 7200),
                new PutPermissionsBoundary(BOUNDARY),
                new PutInlinePolicy(INLINE_NAME, INLINE),
                new AttachManagedPolicy(DEPLOY),
                new DetachManagedPolicy("arn:aws:iam::aws:policy/AdministratorAccess"),
                new DeleteInlinePolicy("extra"),
                new TagRole(Map.of("team", "apps")),
                new UntagRole(Set.of("stale")));
        assertThat(RoleDrift.describe(actual.build(), desired)).contains(
                "attached arn:aws:iam::aws:policy/AdministratorAccess not in grant",
                "managed policy " + DEPLOY + " from the grant is not attached",
                "inline policy extra not in grant",
                "tag team is 'old', grant says 'apps'",
                "tag stale=x not in grant");
    }

    // ---------------------------------------------------------------- path change

    @Test
    void reconcile_whenPathChanged_removesTheRoleThenCreatesItAgain() {
        DesiredRole desired = desired();
        Actual actual = mirror(desired).withPath("/old/").withInstanceProfiles(List.of("web-profile", "app-profile"));

        List<RoleOperation> ops = plan(actual, desired);

        assertThat(ops).containsExactly(
                new RemoveFromInstanceProfile("app-profile"),
                new RemoveFromInstanceProfile("web-profile"),
                new DetachManagedPolicy(DEPLOY),
                new DetachManagedPolicy(READ_ONLY),
                new DeleteInlinePolicy(INLINE_NAME),
                new DeleteRole(Optional.of("IAM cannot move a role from path /old/ to /crossrole/")),
                new CreateRole(desired),
                new PutInlinePolicy(INLINE_NAME, INLINE),
                new AttachManagedPolicy(DEPLOY),
                new AttachManagedPolicy(READ_ONLY));
    }

    // ---------------------------------------------------------------- ownership

    @Test
    void reconcile_whenRoleHasNoManagedByTag_isAConflictWithNoOperations() {
        DesiredRole desired = desired();
        Actual actual = mirror(desired);
        actual.tags().remove(Ownership.MANAGED_BY);

        PlanDecision decision = RolePlanner.reconcile(actual.build(), desired);

        assertThat(decision).isEqualTo(new PlanDecision.Conflict("role UpdateApp already exists and was not created by "
                + "Crossrole (it has no crossrole:managed-by tag); Crossrole leaves it untouched. "
                + "Rename the grant's role or remove the existing one"));
    }

    @Test
    void reconcile_whenPreExistingRoleHasNoTagsAndAnotherPath_isAConflictNotARecreation() {
        DesiredRole desired = desired();
        Actual actual = mirror(desired).withPath("/other/");
        actual.tags().clear();

        PlanDecision decision = RolePlanner.reconcile(actual.build(), desired);

        assertThat(decision).isInstanceOf(PlanDecision.Conflict.class);
        assertThat(((PlanDecision.Conflict) decision).message())
                .contains("not created by Crossrole", "leaves it untouched");
    }

    @Test
    void reconcile_whenManagedByTagHasAnotherValue_isAConflict() {
        DesiredRole desired = desired();
        Actual actual = mirror(desired);
        actual.tags().put(Ownership.MANAGED_BY, "someone-else");

        assertThat(RolePlanner.reconcile(actual.build(), desired)).isInstanceOf(PlanDecision.Conflict.class);
    }

    @Test
    void reconcile_whenRoleBelongsToAnotherGrant_isAConflictNamingThatGrant() {
        DesiredRole desired = desired();
        Actual actual = mirror(desired);
        actual.tags().put(Ownership.GRANT_ID, "other-grant");

        assertThat(RolePlanner.reconcile(actual.build(), desired)).isEqualTo(new PlanDecision.Conflict(
                "role UpdateApp belongs to grant 'other-grant'; two grants cannot claim one role name in one account"));
    }

    // ---------------------------------------------------------------- revoke

    @Test
    void revoke_whenRoleIsAbsent_plansNothing() {
        PlanDecision decision = RolePlanner.nothingToRevoke("UpdateApp");

        assertThat(decision).isEqualTo(new PlanDecision.Apply(new RolePlan("UpdateApp", List.of())));
    }

    @Test
    void revoke_whenRoleIsManaged_removesProfilesDetachesDeletesInlineThenDeletesRole() {
        Actual actual = mirror(desired()).withInstanceProfiles(List.of("web-profile", "app-profile"));
        actual.inline().put("extra", INLINE);

        PlanDecision decision = RolePlanner.revoke(actual.build(), "UpdateApp", GRANT_ID);

        assertThat(apply(decision)).containsExactly(
                new RemoveFromInstanceProfile("app-profile"),
                new RemoveFromInstanceProfile("web-profile"),
                new DetachManagedPolicy(DEPLOY),
                new DetachManagedPolicy(READ_ONLY),
                new DeleteInlinePolicy(INLINE_NAME),
                new DeleteInlinePolicy("extra"),
                new DeleteRole(Optional.empty()));
        assertThat(((PlanDecision.Apply) decision).plan().roleName()).isEqualTo("UpdateApp");
    }

    @Test
    void revoke_whenManagedRoleHasNothingAttached_onlyDeletesRole() {
        DesiredRole bare = DesiredRole.of(grantBuilder().inlinePolicy(null).build(), AccountId.of("111111111111"));
        Actual actual = mirror(bare);
        actual.managed().clear();

        assertThat(apply(RolePlanner.revoke(actual.build(), "UpdateApp", GRANT_ID)))
                .containsExactly(new DeleteRole(Optional.empty()));
    }

    @Test
    void revoke_whenRoleIsUnmanaged_isAConflictWithNoOperations() {
        Actual actual = mirror(desired());
        actual.tags().clear();

        PlanDecision decision = RolePlanner.revoke(actual.build(), "UpdateApp", GRANT_ID);

        assertThat(decision).isInstanceOf(PlanDecision.Conflict.class);
        assertThat(((PlanDecision.Conflict) decision).message()).contains("not created by Crossrole", "leaves it untouched");
    }

    @Test
    void revoke_whenRoleBelongsToAnotherGrant_isAConflictNamingThatGrant() {
        PlanDecision decision = RolePlanner.revoke(mirror(desired()).build(), "UpdateApp", "other-grant");

        assertThat(decision).isEqualTo(new PlanDecision.Conflict(
                "role UpdateApp belongs to grant 'prod-updateapp'; two grants cannot claim one role name in one account"));
    }

    // ---------------------------------------------------------------- DesiredRole

    @Test
    void desiredRoleOf_mapsEveryGrantField() {
        DesiredRole d = desired();

        assertThat(d.grantId()).isEqualTo(GRANT_ID);
        assertThat(d.roleName()).isEqualTo("UpdateApp");
        assertThat(d.path()).isEqualTo("/crossrole/");
        assertThat(d.description()).isEqualTo("Lets developers update the production app");
        assertThat(d.maxSessionDuration()).isEqualTo(7200);
        assertThat(d.permissionsBoundaryArn()).contains(BOUNDARY);
        assertThat(d.managedPolicyArns()).containsExactly(DEPLOY, READ_ONLY);
        assertThat(d.inlinePolicies()).containsExactly(Map.entry(INLINE_NAME, INLINE));
        assertThat(d.tags()).isEqualTo(new TreeMap<>(Map.of("team", "apps",
                Ownership.MANAGED_BY, Ownership.MANAGER, Ownership.GRANT_ID, GRANT_ID)));
        assertThat(d.trustPolicy()).contains("sts:ExternalId", "aws:MultiFactorAuthPresent", "arn:aws:iam::222222222222:root");
        assertThat(d.arn(Partition.AWS, AccountId.of("012345678901")))
                .isEqualTo("arn:aws:iam::012345678901:role/crossrole/UpdateApp");
    }

    @Test
    void desiredRoleOf_whenGrantHasNoDescriptionOrSession_usesDefaults() {
        DesiredRole d = DesiredRole.of(grantBuilder().description(null).maxSessionDuration(null).build(), AccountId.of("111111111111"));

        assertThat(d.description()).isEqualTo("Managed by Crossrole for grant prod-updateapp");
        assertThat(d.maxSessionDuration()).isEqualTo(3600);
    }

    @Test
    void desiredRoleOf_whenGrantTagsClaimOwnershipKeys_ownershipTagsWin() {
        DesiredRole d = DesiredRole.of(grantBuilder().putTag(Ownership.GRANT_ID, "forged").build(), AccountId.of("111111111111"));

        assertThat(d.tags()).containsEntry(Ownership.GRANT_ID, GRANT_ID);
    }

    @Test
    void hash_whenGrantsAreEqual_isEqual() {
        String one = DesiredRole.of(grantBuilder().build(), AccountId.of("111111111111")).hash();
        String two = DesiredRole.of(grantBuilder().build(), AccountId.of("111111111111")).hash();

        assertThat(one).isEqualTo(two).hasSize(32).matches("[0-9a-f]{32}");
    }

    @Test
    void hash_whenOnlyTargetsOrGranteeSideDiffer_isEqual() {
        String one = DesiredRole.of(grantBuilder().build(), AccountId.of("111111111111")).hash();
        String two = DesiredRole.of(grantBuilder().addTarget(Target.parse("ou-ab12-cdef3456")).build(), AccountId.of("111111111111")).hash();

        assertThat(two).isEqualTo(one);
    }

    @Test
    void hash_whenTrustPolicyOnlyDiffersInFormatting_isEqual() {
        DesiredRole d = desired();
        DesiredRole reformatted = new DesiredRole(d.grantId(), d.roleName(), d.path(),
                URLEncoder.encode(d.trustPolicy().replace(",", ", "), StandardCharsets.UTF_8), d.description(),
                d.maxSessionDuration(), d.permissionsBoundaryArn(), d.managedPolicyArns(), d.inlinePolicies(), d.tags());

        assertThat(reformatted.hash()).isEqualTo(d.hash());
    }

    static Stream<Arguments> changedGrants() {
        return Stream.of(
                Arguments.of("grantId", (UnaryOperator<Grant.Builder>) b -> b.grantId("other-grant")),
                Arguments.of("roleName", (UnaryOperator<Grant.Builder>) b -> b.roleName("OtherRole")),
                Arguments.of("rolePath", (UnaryOperator<Grant.Builder>) b -> b.rolePath("/")),
                Arguments.of("principal added", (UnaryOperator<Grant.Builder>) b ->
                        b.addTrustedPrincipal(Principal.parse("444444444444", Partition.AWS))),
                Arguments.of("externalId", (UnaryOperator<Grant.Builder>) b -> b.externalId("another-id")),
                Arguments.of("externalId removed", (UnaryOperator<Grant.Builder>) b -> b.externalId(null)),
                Arguments.of("requireMfa", (UnaryOperator<Grant.Builder>) b -> b.requireMfa(false)),
                Arguments.of("description", (UnaryOperator<Grant.Builder>) b -> b.description("other")),
                Arguments.of("maxSessionDuration", (UnaryOperator<Grant.Builder>) b -> b.maxSessionDuration(3600)),
                Arguments.of("boundary", (UnaryOperator<Grant.Builder>) b -> b.permissionsBoundaryArn(null)),
                Arguments.of("managed policy added", (UnaryOperator<Grant.Builder>) b ->
                        b.addManagedPolicyArn("arn:aws:iam::aws:policy/AdministratorAccess")),
                Arguments.of("inline policy", (UnaryOperator<Grant.Builder>) b ->
                        b.inlinePolicy(INLINE.replace("s3:PutObject", "s3:DeleteObject"))),
                Arguments.of("inline policy removed", (UnaryOperator<Grant.Builder>) b -> b.inlinePolicy(null)),
                Arguments.of("tag value", (UnaryOperator<Grant.Builder>) b -> b.putTag("team", "other")),
                Arguments.of("tag added", (UnaryOperator<Grant.Builder>) b -> b.putTag("env", "prod")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changedGrants")
    void hash_whenAnyFieldDiffers_isDifferent(String field, UnaryOperator<Grant.Builder> change) {
        DesiredRole base = DesiredRole.of(grantBuilder().build(), AccountId.of("111111111111"));
        DesiredRole changed = DesiredRole.of(change.apply(grantBuilder()).build(), AccountId.of("111111111111"));
        assertThat(changed).as("the change to %s must reach the desired role", field).isNotEqualTo(base);

        assertThat(changed.hash()).isNotEqualTo(base.hash());
    }
}
