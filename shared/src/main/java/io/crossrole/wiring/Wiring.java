package io.crossrole.wiring;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.grant.GrantParser;
import io.crossrole.guardrail.GrantReview;
import io.crossrole.lambda.InvocationMetrics;
import io.crossrole.lambda.Telemetry;
import io.crossrole.model.AccountId;
import io.crossrole.org.OrganizationReader;
import io.crossrole.org.OrganizationView;
import io.crossrole.reconcile.ReconcileQueue;
import io.crossrole.store.AssignmentRecorder;
import io.crossrole.store.AssignmentStore;
import io.crossrole.store.GrantStore;
import io.crossrole.store.TargetIndex;
import io.crossrole.sts.AccountAccess;
import io.crossrole.sts.Backoff;
import io.crossrole.sts.CallerAccount;
import java.time.Clock;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The composition root: the collaborators every function builds once, in its constructor, from configuration.
 * One SDK client per service (one HTTP client under them all), one metrics object per function that every collaborator
 * counts into and the handler publishes per invocation, one grant review, one status recorder. The functions that write
 * in owner accounts add a {@link io.crossrole.reconcile.Reconciler} ({@code Reconciler.create}); the producers never
 * reach one, so their artifacts need none of the services it writes.
 *
 * <pre>{@code
 * Wiring wiring = Wiring.of(config, clients, "crossrole-grant-stream", backoff, clock);
 * OrganizationView org = wiring.organization(); // a fresh view for each invocation
 * }</pre>
 */
public record Wiring(CrossroleConfig config, AccountAccess access, DynamoDbClient dynamo, SqsClient sqs, InvocationMetrics metrics,
                     AssignmentStore store, AssignmentRecorder recorder, GrantStore grants, TargetIndex index, GrantReview review,
                     OrganizationReader organizations, Supplier<AccountId> ownAccount) {

    public static Wiring of(CrossroleConfig config, AwsClientFactory clients, String sessionName, Backoff backoff, Clock clock) {
        Telemetry.configure(config);
        InvocationMetrics metrics = new InvocationMetrics();
        AccountAccess access = new AccountAccess(clients, config, backoff, sessionName);
        DynamoDbClient dynamo = clients.dynamoDb();
        GrantParser parser = new GrantParser(config.partition(), config.limits(), config.managedRolePath());
        GrantReview review = new GrantReview(parser, config.guardrails());
        AssignmentStore store = new AssignmentStore(dynamo, config.assignmentsTable());
        AssignmentRecorder recorder = new AssignmentRecorder(dynamo, config.assignmentsTable(), clock, metrics);
        return new Wiring(config, access, dynamo, clients.client(SqsClient.builder()), metrics, store, recorder,
                new GrantStore(dynamo, config.grantsTable(), parser), new TargetIndex(dynamo, config.grantTargetsTable()), review,
                new OrganizationReader(clients.organizations()), CallerAccount.of(config, clients));
    }

    /** A fresh view of the organization: its answers are kept for one invocation. */
    public OrganizationView organization() {
        return new OrganizationView(organizations, ownAccount, config.managementAccountId().orElse(null));
    }

    /** The reconcile queues the producers send to. */
    public ReconcileQueue reconcileQueue() {
        return new ReconcileQueue(sqs, config.reconcileQueue().orElse(null), config.reconcileBulkQueue().orElse(null), metrics);
    }
}
