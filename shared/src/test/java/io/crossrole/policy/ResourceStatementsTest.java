package io.crossrole.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crossrole.grant.GrantParser;
import io.crossrole.grant.Limits;
import io.crossrole.grant.ResourceGrant;
import io.crossrole.model.Partition;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceStatementsTest {
    private static final String QUEUE = "arn:aws:sqs:us-east-1:111111111111:orders";
    private static final String FOREIGN = "{\"Sid\":\"SnsDelivers\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},"
            + "\"Action\":\"sqs:SendMessage\",\"Resource\":\"" + QUEUE + "\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":\"x\"}}}";
    private static final String POLICY = "{\"Version\":\"2012-10-17\",\"Id\":\"orders-policy\",\"Statement\":[" + FOREIGN + "]}";

    private static ResourceGrant grant(boolean mfa) {
        return new GrantParser(Partition.AWS, Limits.DEFAULT).parse(Map.of("grantId", "orders-intake", "targets", List.of("111111111111"),
                "trustedPrincipals", List.of("arn:aws:iam::222222222222:role/intake"), "resourceArns", List.of(QUEUE),
                "resourceActions", List.of("sqs:SendMessage"), "requireMfa", mfa)).resourceGrant().orElseThrow();
    }

    @Test
    void with_addsTheStatement_andKeepsTheOthersAndTheIdAsTheyWere() {
        ObjectNode ours = ResourceStatements.statement(grant(false), List.of(QUEUE));

        String next = ResourceStatements.with(POLICY, ours);

        assertThat(ResourceStatements.others(next, "Crossroleordersintake")).containsExactly(FOREIGN);
        assertThat(next).startsWith("{\"Version\":\"2012-10-17\",\"Id\":\"orders-policy\",");
        assertThat(ResourceStatements.find(next, "Crossroleordersintake")).contains(ours);
    }

    @Test
    void with_replacesOnlyTheStatementOfItsSid() {
        String once = ResourceStatements.with(POLICY, ResourceStatements.statement(grant(false), List.of(QUEUE)));

        String twice = ResourceStatements.with(once, ResourceStatements.statement(grant(true), List.of(QUEUE)));

        assertThat(ResourceStatements.others(twice, "Crossroleordersintake")).containsExactly(FOREIGN);
        ObjectNode found = ResourceStatements.find(twice, "Crossroleordersintake").orElseThrow();
        assertThat(found.path("Condition").path("Bool").path("aws:MultiFactorAuthPresent").toString()).contains("true");
        assertThat(ResourceStatements.same(found, ResourceStatements.statement(grant(true), List.of(QUEUE)))).isTrue();
        assertThat(ResourceStatements.same(found, ResourceStatements.statement(grant(false), List.of(QUEUE)))).isFalse();
    }

    @Test
    void without_removesOnlyItsStatement_andNothingIsLeftWhenItWasAlone() {
        String both = ResourceStatements.with(POLICY, ResourceStatements.statement(grant(false), List.of(QUEUE)));

        assertThat(ResourceStatements.without(both, "Crossroleordersintake")).contains(POLICY);
        String alone = ResourceStatements.policyOf(ResourceStatements.statement(grant(false), List.of(QUEUE)));
        assertThat(ResourceStatements.without(alone, "Crossroleordersintake")).isEmpty();
    }

    @Test
    void statement_namesExactlyThePrincipalsActionsAndResources() {
        ObjectNode s = ResourceStatements.statement(grant(false), List.of(QUEUE));

        assertThat(s.path("Sid").asText()).isEqualTo("Crossroleordersintake");
        assertThat(s.path("Effect").asText()).isEqualTo("Allow");
        assertThat(s.path("Principal").toString()).contains("arn:aws:iam::222222222222:role/intake").doesNotContain("*");
        assertThat(s.path("Action").toString()).contains("sqs:SendMessage");
        assertThat(s.path("Resource").toString()).contains(QUEUE);
        assertThat(s.has("Condition")).isFalse();
    }
}
