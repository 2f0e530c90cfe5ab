package io.crossrole.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.model.Partition;
import io.crossrole.model.Principal;
import org.junit.jupiter.api.Test;

class RedactionTest {

    @Test
    void conditionValues_replacesEveryValueAndKeepsKeysAndPrincipals() {
        String trust = TrustPolicyBuilder.builder().addPrincipal(Principal.parse("444455556666", Partition.AWS))
                .externalId("Unique-3rd-party-ID-12345").requireMfa(true).build().toJson();

        String redacted = Redaction.conditionValues(trust);

        assertThat(redacted).doesNotContain("Unique-3rd-party-ID-12345").contains("sts:ExternalId").contains("(redacted)")
                .contains("aws:MultiFactorAuthPresent").contains("arn:aws:iam::444455556666:root");
    }

    @Test
    void conditionValues_whenTheTextIsNotAPolicy_redactsItWhole() {
        assertThat(Redaction.conditionValues("ext-id-in-plain-text")).isEqualTo("(redacted)");
    }
}
