package io.crossrole.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.grant.GranteeSide;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import java.util.List;
import org.junit.jupiter.api.Test;

class AssignmentKeyTest {

    @Test
    void parse_readsEachKindAsDeployedTablesHoldIt_andStoredWritesItBack() {
        List<AssignmentKey> keys = List.of(new AssignmentKey.Owner(AccountId.of("012345678901")),
                new AssignmentKey.Grantee(Arn.parse("arn:aws:iam::222222222222:group/Developers").orElseThrow(), GranteeSide.ALLOW),
                new AssignmentKey.Grantee(Arn.parse("arn:aws:iam::222222222222:group/Testers").orElseThrow(), GranteeSide.DENY),
                new AssignmentKey.Target("ou-ab12-cdef3456"), new AssignmentKey.Target("r-ab12"), new AssignmentKey.GrantLevel());

        for (AssignmentKey key : keys) {
            assertThat(AssignmentKey.parse(key.stored())).isEqualTo(key);
        }
        assertThat(keys).extracting(AssignmentKey::stored).containsExactly("012345678901",
                "grantee#arn:aws:iam::222222222222:group/Developers",
                "deny#arn:aws:iam::222222222222:group/Testers", "ou-ab12-cdef3456", "r-ab12", "#grant");
    }

    @Test
    void parse_whenAGranteeKeyHoldsNoArn_keepsItAsATargetRatherThanFailing() {
        assertThat(AssignmentKey.parse("grantee#not-an-arn")).isEqualTo(new AssignmentKey.Target("grantee#not-an-arn"));
    }
}
