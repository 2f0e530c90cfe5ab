package io.crossrole.role;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.grant.Grant;
import io.crossrole.model.AccountId;
import io.crossrole.model.Partition;
import io.crossrole.model.Principal;
import io.crossrole.model.Target;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoleDriftTest {
    private static final DesiredRole DESIRED = DesiredRole.of(Grant.builder().grantId("g").roleName("UpdateApp")
            .addTarget(Target.parse("111111111111"))
            .addTrustedPrincipal(Principal.parse("arn:aws:iam::222222222222:role/deployer", Partition.AWS))
            .requireMfa(true).build(), AccountId.of("111111111111"));

    private static ActualRole actual(String trust, Map<String, String> tags, Set<String> managed, int maxSession) {
        return new ActualRole("UpdateApp", "/", "AROAEXAMPLE", "arn:aws:iam::111111111111:role/UpdateApp", trust,
                Optional.of(DESIRED.description()), maxSession, Optional.empty(), managed, Map.of(), tags, List.of());
    }

    @Test
    void describe_whenInSync_isEmpty() {
        assertThat(RoleDrift.describe(actual(DESIRED.trustPolicy(), DESIRED.tags(), Set.of(), 3600), DESIRED)).isEmpty();
    }

    @Test
    void describe_whenAPrincipalWasDeletedAndIamShowsItsUniqueId_saysTheTrustIsBroken() {
        String trust = DESIRED.trustPolicy().replace("arn:aws:iam::222222222222:role/deployer", "AROA1234567890EXAMPLE");

        List<String> drift = RoleDrift.describe(actual(trust, DESIRED.tags(), Set.of(), 3600), DESIRED);

        assertThat(drift).containsExactly("trust policy shows unique ID AROA1234567890EXAMPLE where the grant names "
                + "arn:aws:iam::222222222222:role/deployer: the principal was deleted (and perhaps recreated), so the trust is broken");
        assertThat(RoleDrift.brokenPrincipals(trust)).containsExactly("AROA1234567890EXAMPLE");
    }

    @Test
    void describe_whenHandsChangedTrustMaxSessionTagsAndPolicies_listsEachPrecisely() {
        String trust = DESIRED.trustPolicy().replace("\"Condition\"", "\"X\"").replace("arn:aws:iam::222222222222:role/deployer",
                "arn:aws:iam::999999999999:root");
        Map<String, String> tags = new HashMap<>(DESIRED.tags());
        tags.remove("crossrole:grant-id");
        tags.put("crossrole:grant-id", "g");
        tags.put("owner", "bob");

        List<String> drift = RoleDrift.describe(actual(trust, tags, Set.of("arn:aws:iam::aws:policy/AdministratorAccess"), 7200), DESIRED);

        assertThat(drift).contains(
                "trust policy lacks principal arn:aws:iam::222222222222:role/deployer from the grant",
                "trust policy trusts arn:aws:iam::999999999999:root, not in grant",
                "max session is 7200 s, grant says 3600 s",
                "attached arn:aws:iam::aws:policy/AdministratorAccess not in grant",
                "tag owner=bob not in grant");
    }

    @Test
    void describe_whenTheExternalIdWasChangedByHand_namesTheConditionButNeitherValue() {
        DesiredRole withExternalId = DesiredRole.of(Grant.builder().grantId("g").roleName("UpdateApp")
                .addTarget(Target.parse("111111111111")).addTrustedPrincipal(Principal.parse("444455556666", Partition.AWS))
                .externalId("Unique-3rd-party-ID-12345").build(), AccountId.of("111111111111"));
        String trust = withExternalId.trustPolicy().replace("Unique-3rd-party-ID-12345", "attacker-chosen-id");

        List<String> drift = RoleDrift.describe(actual(trust, withExternalId.tags(), Set.of(), 3600), withExternalId);

        assertThat(drift).containsExactly("trust policy condition StringEquals sts:ExternalId has another value than the grant's"
                + " (values are not shown)");
        assertThat(String.join(" ", drift)).doesNotContain("Unique-3rd-party-ID-12345").doesNotContain("attacker-chosen-id");
    }

    @Test
    void describe_whenTheOwnershipTagWasRemoved_saysItIsNoLongerCrossroles() {
        Map<String, String> tags = new HashMap<>(DESIRED.tags());
        tags.remove(Ownership.MANAGED_BY);

        assertThat(RoleDrift.describe(actual(DESIRED.trustPolicy(), tags, Set.of(), 3600), DESIRED))
                .singleElement().asString().contains("was not created by Crossrole");
    }
}
