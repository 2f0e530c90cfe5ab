package io.crossrole.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TargetTest {

    @Test
    void parse_whenAccountIdWithLeadingZero_isAnAccountKeepingTheZero() {
        Target t = Target.parse("012345678901");

        assertThat(t).isEqualTo(new Target.Account(AccountId.of("012345678901")));
        assertThat(t.id()).isEqualTo("012345678901");
    }

    @Test
    void parse_whenOuId_isAnOrganizationalUnit() {
        assertThat(Target.parse("ou-ab12-cdef3456")).isEqualTo(new Target.OrganizationalUnit("ou-ab12-cdef3456"));
    }

    @Test
    void parse_whenRootId_isTheRoot() {
        Target t = Target.parse("r-ab12");

        assertThat(t).isEqualTo(new Target.Root("r-ab12"));
        assertThat(t.id()).isEqualTo("r-ab12");
    }

    @Test
    void parse_when11Digits_saysAnAccountIdHas12() {
        assertThatThrownBy(() -> Target.parse("12345678901"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'12345678901' is not a 12-digit account ID, an OU ID (ou-…) or a root ID (r-…)"
                        + " (an account ID has exactly 12 digits; this has 11)");
    }

    @Test
    void parse_when13Digits_saysAnAccountIdHas12() {
        assertThatThrownBy(() -> Target.parse("1234567890123"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith(" (an account ID has exactly 12 digits; this has 13)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ou-12", "ou-AB12-cdef3456", "ou-ab12-cdef345", "r-ab1", "r-AB12", "root", "", "12345678901a"})
    void parse_whenMalformed_namesTheAcceptedForms(String text) {
        assertThatThrownBy(() -> Target.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + text + "' is not a 12-digit account ID, an OU ID (ou-…) or a root ID (r-…)");
    }

    @Test
    void parse_whenNull_throws() {
        assertThatThrownBy(() -> Target.parse(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("'null' is not a 12-digit account ID");
    }
}
