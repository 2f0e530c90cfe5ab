package io.crossrole.provision;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.grant.GrantParser;
import io.crossrole.guardrail.GrantReview;
import io.crossrole.lambda.Telemetry;
import io.crossrole.model.AccountId;
import io.crossrole.org.OrganizationReader;
import io.crossrole.org.OrganizationView;
import io.crossrole.store.AssignmentStore;
import io.crossrole.store.GrantStore;
import io.crossrole.sts.AccountAccess;
import io.crossrole.sts.Backoff;
import io.crossrole.sts.CallerAccount;
import java.time.Clock;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The collaborators every function builds once, in its constructor, from configuration: account access by
 * STS chaining, the DynamoDB client, the assignment and grant stores, the provisioner, the grant review (parser and
 * guardrails) and the organization.
 *
 * <pre>{@code
 * Wiring wiring = Wiring.of(config, clients, "crossrole-grant-stream", backoff, clock);
 * OrganizationView org = wiring.organization(); // a fresh view for each invocation
 * }</pre>
 */
public record Wiring(CrossroleConfig config, AccountAccess access, DynamoDbClient dynamo, AssignmentStore store,
                     GrantStore grants, GrantProvisioner provisioner, GrantReview review, OrganizationReader organizations,
                     Supplier<AccountId> ownAccount) {

    public static Wiring of(CrossroleConfig config, AwsClientFactory clients, String sessionName, Backoff backoff, Clock clock) {
        Telemetry.configure(config);
        AccountAccess access = new AccountAccess(clients, config, backoff, sessionName);
        DynamoDbClient dynamo = clients.dynamoDb();
        AssignmentStore store = new AssignmentStore(dynamo, config.assignmentsTable(), clock);
        GrantReview review = new GrantReview(new GrantParser(config.partition(), config.limits(), config.managedRolePath()),
                config.guardrails());
        return new Wiring(config, access, dynamo, store, new GrantStore(dynamo, config.grantsTable()),
                GrantProvisioner.create(config, access, store, backoff), review,
                new OrganizationReader(clients.organizations()), CallerAccount.of(config, clients));
    }

    /** A fresh view of the organization: its answers are kept for one invocation. */
    public OrganizationView organization() {
        return new OrganizationView(organizations, ownAccount, config.managementAccountId());
    }
}
