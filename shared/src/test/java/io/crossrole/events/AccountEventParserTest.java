package io.crossrole.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.crossrole.events.AccountEvent.Departed;
import io.crossrole.events.AccountEvent.Ignored;
import io.crossrole.events.AccountEvent.JoinKind;
import io.crossrole.events.AccountEvent.Joined;
import io.crossrole.events.AccountEvent.Moved;
import io.crossrole.model.AccountId;
import io.crossrole.testing.TestFiles;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AccountEventParserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AccountId ACCOUNT = AccountId.of("333333333333");

    static Stream<Arguments> samples() {
        return Stream.of(
                Arguments.of("create-account-result.json", new Joined("CreateAccountResult", ACCOUNT, JoinKind.CREATED)),
                Arguments.of("accept-handshake.json", new Joined("AcceptHandshake", ACCOUNT, JoinKind.INVITED)),
                Arguments.of("account-joined-organization.json", new Joined("AccountJoinedOrganization", ACCOUNT, JoinKind.INVITED)),
                Arguments.of("control-tower-create-managed-account.json", new Joined("CreateManagedAccount", ACCOUNT, JoinKind.CREATED)),
                Arguments.of("control-tower-update-managed-account.json", new Joined("UpdateManagedAccount", ACCOUNT, JoinKind.CREATED)),
                Arguments.of("move-account.json", new Moved("MoveAccount", ACCOUNT, "ou-ab12-11111111", "ou-ab12-22222222")),
                Arguments.of("remove-account.json", new Departed("RemoveAccountFromOrganization", ACCOUNT,
                        "the account was removed from the organization (RemoveAccountFromOrganization)")),
                Arguments.of("close-account.json", new Ignored("CloseAccount",
                        "CloseAccount is only a request: the account is closed when CloseAccountResult says SUCCEEDED")),
                Arguments.of("close-account-result.json", new Departed("CloseAccountResult", ACCOUNT,
                        "the account was closed (CloseAccountResult)")),
                Arguments.of("close-account-result-failed.json", new Ignored("CloseAccountResult",
                        "account closure FAILED: the account, its roles and statuses stay as they were")),
                Arguments.of("accept-handshake-lowercase.json", new Joined("AcceptHandshake", ACCOUNT, JoinKind.INVITED)),
                Arguments.of("account-departed-organization.json", new Departed("AccountDepartedOrganization", ACCOUNT,
                        "the account departed the organization (Removed) (AccountDepartedOrganization)")),
                Arguments.of("create-account-failed.json", new Ignored("CreateAccountResult",
                        "account creation FAILED (EMAIL_ALREADY_EXISTS): no account to provision")),
                Arguments.of("move-account-failed.json", new Ignored("MoveAccount",
                        "the call failed (errorCode AccessDeniedException): the organization did not change")),
                Arguments.of("malformed-no-detail.json", new Ignored("(none)", "the event has no detail")),
                Arguments.of("malformed-null-detail.json", new Ignored("(none)", "the event has no detail")),
                Arguments.of("malformed-missing-account.json", new Ignored("MoveAccount", "requestParameters lacks accountId")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void parse_eachSampleEvent_meansWhatItSays(String file, AccountEvent expected) throws Exception {
        Map<?, ?> event = JSON.readValue(TestFiles.eventText("account-events/" + file), Map.class);

        AccountEvent parsed = AccountEventParser.parse((String) event.get("source"), detail(event));

        assertThat(parsed).isEqualTo(expected);
    }

    @Test
    void parse_unknownEvent_isIgnoredNamingIt() throws Exception {
        Map<?, ?> event = JSON.readValue(TestFiles.eventText("account-events/unknown-event.json"), Map.class);

        AccountEvent parsed = AccountEventParser.parse((String) event.get("source"), detail(event));

        assertThat(parsed).isInstanceOf(Ignored.class);
        assertThat(((Ignored) parsed).why()).contains("does not change which grants cover an account");
    }

    @Test
    void parse_accountIdThatIsNotTwelveDigits_isIgnoredSayingSo() {
        AccountEvent parsed = AccountEventParser.parse("aws.organizations", Map.of("eventName", "RemoveAccountFromOrganization",
                "requestParameters", Map.of("accountId", "12345")));

        assertThat(parsed).isEqualTo(new Ignored("RemoveAccountFromOrganization",
                "requestParameters.accountId '12345' is not a 12-digit account ID"));
    }

    @Test
    void parse_handshakeToAnEmailParty_usesTheAcceptingAccount() {
        AccountEvent parsed = AccountEventParser.parse("aws.organizations", Map.of("eventName", "AcceptHandshake",
                "userIdentity", Map.of("accountId", "444444444444"),
                "responseElements", Map.of("handshake", Map.of("state", "ACCEPTED", "action", "INVITE",
                        "parties", List.of(Map.of("type", "EMAIL", "id", "x@example.com"))))));

        assertThat(parsed).isEqualTo(new Joined("AcceptHandshake", AccountId.of("444444444444"), JoinKind.INVITED));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> detail(Map<?, ?> event) {
        return (Map<String, Object>) event.get("detail");
    }
}
