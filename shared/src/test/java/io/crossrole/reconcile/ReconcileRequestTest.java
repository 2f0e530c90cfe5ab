package io.crossrole.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crossrole.grant.GranteeSide;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.reconcile.ReconcileRequest.Cause;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ReconcileRequestTest {
    private static final ReconcileKey PROD = new ReconcileKey.OwnerAccount("prod-updateapp", AccountId.of("111111111111"));
    private static final ReconcileKey DEVELOPERS = new ReconcileKey.Grantee("prod-updateapp",
            Arn.parse("arn:aws:iam::222222222222:group/Developers").orElseThrow(), GranteeSide.ALLOW);
    private static final ReconcileKey TESTERS = new ReconcileKey.Grantee("prod-updateapp",
            Arn.parse("arn:aws:iam::222222222222:group/Testers").orElseThrow(), GranteeSide.DENY);

    @Test
    void toJsonAndParse_roundTripEveryKindOfKeyAndCause() {
        for (ReconcileKey key : List.of(PROD, DEVELOPERS, TESTERS)) {
            for (Cause cause : Cause.values()) {
                ReconcileRequest request = new ReconcileRequest(key, cause, "event-1", Optional.of("UpdateApp"));

                assertThat(ReconcileRequest.parse(request.toJson())).isEqualTo(request);
            }
        }
    }

    @Test
    void groupId_isTheAccountTheWorkHappensIn() {
        assertThat(new ReconcileRequest(PROD, Cause.STREAM, "e", Optional.empty()).groupId()).isEqualTo("111111111111");
        assertThat(new ReconcileRequest(DEVELOPERS, Cause.STREAM, "e", Optional.empty()).groupId()).isEqualTo("222222222222");
    }

    @Test
    void deduplicationId_isTheSameOnlyForTheSameKeyAskedByTheSameEvent() {
        String once = new ReconcileRequest(PROD, Cause.STREAM, "e1", Optional.empty()).deduplicationId();

        assertThat(new ReconcileRequest(PROD, Cause.STREAM, "e1", Optional.of("Other")).deduplicationId()).isEqualTo(once);
        assertThat(new ReconcileRequest(PROD, Cause.STREAM, "e2", Optional.empty()).deduplicationId()).isNotEqualTo(once);
        assertThat(new ReconcileRequest(PROD, Cause.DRIFT, "e1", Optional.empty()).deduplicationId()).isNotEqualTo(once);
        assertThat(new ReconcileRequest(DEVELOPERS, Cause.STREAM, "e1", Optional.empty()).deduplicationId()).isNotEqualTo(once);
        assertThat(new ReconcileRequest(TESTERS, Cause.STREAM, "e1", Optional.empty()).deduplicationId())
                .isNotEqualTo(new ReconcileRequest(new ReconcileKey.Grantee("prod-updateapp", ((ReconcileKey.Grantee) TESTERS).principal(),
                        GranteeSide.ALLOW), Cause.STREAM, "e1", Optional.empty()).deduplicationId());
        assertThat(once).hasSize(64).matches("[0-9a-f]+");
    }

    @Test
    void parse_whenTheMessageIsNotOneOfOurs_saysWhatIsWrong() {
        assertThatThrownBy(() -> ReconcileRequest.parse("not json")).hasMessageStartingWith("a reconcile message is JSON");
        assertThatThrownBy(() -> ReconcileRequest.parse("[]")).hasMessageContaining("a JSON object");
        assertThatThrownBy(() -> ReconcileRequest.parse("{\"account\": \"111111111111\", \"cause\": \"stream\"}"))
                .hasMessage("the reconcile message has no grantId");
        assertThatThrownBy(() -> ReconcileRequest.parse("{\"grantId\": \"g\", \"account\": \"1111\", \"cause\": \"stream\"}"))
                .hasMessage("the reconcile message's account '1111' is not a 12-digit account ID");
        assertThatThrownBy(() -> ReconcileRequest.parse("{\"grantId\": \"g\", \"grantee\": \"Developers\", \"cause\": \"stream\"}"))
                .hasMessage("the reconcile message's grantee 'Developers' is not an IAM ARN");
        assertThatThrownBy(() -> ReconcileRequest.parse("{\"grantId\": \"g\", \"cause\": \"stream\"}"))
                .hasMessage("the reconcile message names neither an account nor a grantee");
        assertThatThrownBy(() -> ReconcileRequest.parse("{\"grantId\": \"g\", \"account\": \"111111111111\", \"cause\": \"write\"}"))
                .hasMessageStartingWith("the reconcile message's cause 'write' is none of");
    }

    @Test
    void parse_dropsARoleNameIamWouldRefuse() {
        ReconcileRequest r = ReconcileRequest.parse("{\"grantId\": \"g\", \"account\": \"111111111111\", \"cause\": \"stream\","
                + " \"causeId\": \"e\", \"roleName\": \"bad name*\"}");

        assertThat(r.roleName()).isEmpty();
    }

    @Test
    void laneOf_sendsChangesOverMoreThanTwentyAccountsToTheBulkQueue() {
        List<ReconcileRequest> twenty = IntStream.range(0, 20).mapToObj(i -> request("3%011d".formatted(i))).toList();
        List<ReconcileRequest> manyForOneAccount = IntStream.range(0, 50).mapToObj(i ->
                new ReconcileRequest(new ReconcileKey.OwnerAccount("g" + i, AccountId.of("111111111111")), Cause.ACCOUNT_EVENT, "e",
                        Optional.empty())).toList();
        List<ReconcileRequest> twentyOne = IntStream.range(0, 21).mapToObj(i -> request("3%011d".formatted(i))).toList();

        assertThat(ReconcileQueue.laneOf(twenty)).isEqualTo(ReconcileQueue.Lane.EXPRESS);
        assertThat(ReconcileQueue.laneOf(manyForOneAccount)).as("a joining account's fifty grants").isEqualTo(ReconcileQueue.Lane.EXPRESS);
        assertThat(ReconcileQueue.laneOf(twentyOne)).isEqualTo(ReconcileQueue.Lane.BULK);
    }

    private static ReconcileRequest request(String account) {
        return new ReconcileRequest(new ReconcileKey.OwnerAccount("g", AccountId.of(account)), Cause.STREAM, "e", Optional.empty());
    }
}
