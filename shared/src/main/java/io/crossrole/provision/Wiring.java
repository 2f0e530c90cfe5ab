package io.crossrole.provision;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.grant.GrantParser;
import io.crossrole.store.AssignmentStore;
import io.crossrole.sts.AccountAccess;
import io.crossrole.sts.Backoff;
import java.time.Clock;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The collaborators every function builds once, in its constructor, from configuration: account access by
 * STS chaining, the DynamoDB client, the assignment store, the provisioner and the grant parser.
 *
 * <pre>{@code
 * Wiring wiring = Wiring.of(config, clients, "crossrole-grant-stream", backoff, clock);
 * }</pre>
 */
public record Wiring(CrossroleConfig config, AccountAccess access, DynamoDbClient dynamo, AssignmentStore store,
                     GrantProvisioner provisioner, GrantParser parser) {

    public static Wiring of(CrossroleConfig config, AwsClientFactory clients, String sessionName, Backoff backoff, Clock clock) {
        io.crossrole.internal.Telemetry.configure(config);
        AccountAccess access = new AccountAccess(clients, config, backoff, sessionName);
        DynamoDbClient dynamo = clients.dynamoDb();
        AssignmentStore store = new AssignmentStore(dynamo, config.assignmentsTable(), clock);
        return new Wiring(config, access, dynamo, store, GrantProvisioner.create(config, access, store, backoff),
                new GrantParser(config.partition(), config.limits()));
    }
}
