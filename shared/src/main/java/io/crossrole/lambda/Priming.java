package io.crossrole.lambda;

import io.crossrole.config.CrossroleConfig;
import io.crossrole.grant.GrantImages;
import io.crossrole.grant.GrantParser;
import io.crossrole.grant.GrantValidation;
import io.crossrole.grant.Limits;
import io.crossrole.guardrail.GrantReview;
import io.crossrole.guardrail.Guardrails;
import io.crossrole.model.AccountId;
import io.crossrole.model.Partition;
import io.crossrole.plan.AccountPlace;
import io.crossrole.plan.TargetPlanner;
import io.crossrole.policy.AssumeRolePolicyBuilder;
import io.crossrole.reconcile.ReconcileKey;
import io.crossrole.reconcile.ReconcileRequest;
import io.crossrole.reconcile.ReconcileRequest.Cause;
import io.crossrole.policy.PolicyDocuments;
import io.crossrole.role.ActualRole;
import io.crossrole.role.DesiredRole;
import io.crossrole.role.RoleDrift;
import io.crossrole.role.RolePlanner;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * SnapStart priming: before Lambda snapshots a function, run the code paths every event takes (grant parsing
 * and validation, policy building and canonical comparison, planning, drift wording, JSON) so that their
 * classes are loaded and JIT-warmed in the snapshot. Never calls AWS: credentials and connections made
 * before a snapshot would be shared by every restored environment.
 *
 * <pre>{@code
 * Priming.register(); // in a handler's constructor
 * }</pre>
 */
public final class Priming implements Resource {
    private static final String SAMPLE = """
            {"grantId": "priming", "roleName": "Priming", "targets": ["111111111111", "ou-ab12-cdef3456", "r-ab12"],
             "trustedPrincipals": ["222222222222", "arn:aws:iam::222222222222:role/ci"], "externalId": "priming-external-id",
             "requireMfa": true, "maxSessionDuration": 3600, "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
             "inlinePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]},
             "tags": {"team": "platform"}, "granteeAttach": ["arn:aws:iam::222222222222:group/Developers"], "expiresAt": 4102444800}""";
    private static final AccountId PRIMING_ACCOUNT = AccountId.of("111111111111");
    private static final Priming INSTANCE = new Priming();
    private static volatile boolean registered;

    private Priming() {
    }

    /** Registers the priming hook once per JVM (the CRaC context keeps only what is reachable: this class holds it). */
    public static synchronized void register() {
        if (!registered) {
            Core.getGlobalContext().register(INSTANCE);
            registered = true;
        }
    }

    /** The work done before the snapshot; also callable directly (benchmarks measure it). */
    public static int prime() {
        int work = primeSdk() + primeMetrics();
        for (int i = 0; i < 20; i++) {
            GrantValidation validation = new GrantReview(new GrantParser(Partition.AWS, Limits.DEFAULT,
                    CrossroleConfig.DEFAULT_MANAGED_ROLE_PATH), Guardrails.DEFAULT).document(GrantImages.fromJson(SAMPLE));
            DesiredRole desired = DesiredRole.of(validation.grant().orElseThrow(), PRIMING_ACCOUNT);
            ActualRole actual = new ActualRole(desired.roleName(), desired.path(), "AROAPRIMING", "arn", desired.trustPolicy(),
                    Optional.of("other"), 7200, Optional.empty(), desired.managedPolicyArns(), Map.of(), desired.tags(), List.of());
            work += RolePlanner.reconcile(actual, desired).hashCode() != 0 ? 1 : 0;
            work += RoleDrift.describe(actual, desired).size();
            work += PolicyDocuments.canonical(AssumeRolePolicyBuilder.allow(AssumeRolePolicyBuilder.RoleScope.of(
                    validation.grant().orElseThrow(), Partition.AWS, "o-priming000")).toJson()).length();
            ReconcileRequest request = new ReconcileRequest(new ReconcileKey.OwnerAccount("priming", PRIMING_ACCOUNT), Cause.STREAM,
                    "priming", Optional.empty());
            work += ReconcileRequest.parse(request.toJson()).deduplicationId().length();
            work += TargetPlanner.owner("priming", PRIMING_ACCOUNT, validation, new AccountPlace(PRIMING_ACCOUNT,
                    AccountPlace.Membership.ACTIVE, List.of("ou-ab12-cdef3456", "r-ab12"), Optional.empty()), null, null,
                    Cause.STREAM, Instant.EPOCH, AccountId.of("123456789012")).hashCode() != 0 ? 1 : 0;
            work += desired.hash().length();
        }
        return work;
    }

    /**
     * The SDK calls the functions' events make (AssumeRole through an assumed-role credentials provider, GetRole found
     * and absent, the role's lists, CreateRole, PutRolePolicy, AttachRolePolicy, the drift check's bulk reads,
     * Organizations, DynamoDB query, update and put), answered by {@link CannedHttpClient}: no connection, no AWS
     * call, dummy credentials that sign nothing real. Returns how many ran (each round: 15).
     */
    static int primeSdk() {
        int calls = 0;
        var credentials = software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("AKIAPRIMING", "priming"));
        var region = software.amazon.awssdk.regions.Region.US_EAST_1;
        try (CannedHttpClient http = new CannedHttpClient();
             var sts = software.amazon.awssdk.services.sts.StsClient.builder().httpClient(http).region(region).credentialsProvider(credentials).build();
             var assumed = software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider.builder().stsClient(sts)
                     .refreshRequest(r -> r.roleArn("arn:aws:iam::111111111111:role/Priming").roleSessionName("priming")).build();
             var iam = software.amazon.awssdk.services.iam.IamClient.builder().httpClient(http)
                     .region(software.amazon.awssdk.regions.Region.AWS_GLOBAL).credentialsProvider(assumed).build();
             var dynamo = software.amazon.awssdk.services.dynamodb.DynamoDbClient.builder().httpClient(http).region(region)
                     .credentialsProvider(credentials).build();
             var organizations = software.amazon.awssdk.services.organizations.OrganizationsClient.builder().httpClient(http)
                     .region(region).credentialsProvider(credentials).build()) {
            for (int i = 0; i < 3; i++) {
                sts.assumeRole(r -> r.roleArn("arn:aws:iam::111111111111:role/Priming").roleSessionName("priming"));
                iam.getRole(r -> r.roleName("Priming"));
                iam.listRolePolicies(r -> r.roleName("Priming"));
                iam.listAttachedRolePolicies(r -> r.roleName("Priming"));
                dynamo.query(r -> r.tableName("priming").keyConditionExpression("grantId = :g").expressionAttributeValues(
                        java.util.Map.of(":g", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("priming"))));
                dynamo.updateItem(r -> r.tableName("priming").key(java.util.Map.of("grantId",
                        software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("priming"))).updateExpression("SET a = :a")
                        .expressionAttributeValues(java.util.Map.of(":a", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("x"))));
                try {
                    iam.getRole(r -> r.roleName(CannedHttpClient.ABSENT_ROLE));
                } catch (software.amazon.awssdk.services.iam.model.NoSuchEntityException expected) {
                    calls++;
                }
                iam.createRole(r -> r.roleName("Priming").path("/").assumeRolePolicyDocument("{}").maxSessionDuration(3600)
                        .description("priming").tags(t -> t.key("crossrole:grant").value("priming")));
                iam.putRolePolicy(r -> r.roleName("Priming").policyName("crossrole").policyDocument("{}"));
                iam.attachRolePolicy(r -> r.roleName("Priming").policyArn("arn:aws:iam::aws:policy/ReadOnlyAccess"));
                dynamo.putItem(r -> r.tableName("priming").item(java.util.Map.of("grantId",
                        software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("priming"))));
                iam.getAccountAuthorizationDetailsPaginator(r -> r.filter(
                        software.amazon.awssdk.services.iam.model.EntityType.ROLE)).stream().count();
                iam.listRolesPaginator(r -> r.pathPrefix("/")).stream().count();
                organizations.describeAccount(r -> r.accountId("111111111111"));
                organizations.listParentsPaginator(r -> r.childId("111111111111")).stream().count();
                calls += 14;
            }
        } catch (RuntimeException e) {
            // priming is an optimisation: a path it could not run is simply warmed by the first event
        }
        return calls;
    }

    /** The Embedded Metric Format document every invocation publishes, serialised but never printed. */
    static int primeMetrics() {
        try {
            var context = new software.amazon.cloudwatchlogs.emf.model.MetricsContext();
            context.setNamespace("Crossrole");
            context.putDimension(software.amazon.cloudwatchlogs.emf.model.DimensionSet.of("Service", "crossrole", "Function", "priming"));
            context.putMetric("AssignmentsProvisioned", 1, software.amazon.cloudwatchlogs.emf.model.Unit.COUNT);
            return context.serialize().size();
        } catch (Exception e) {
            return 0;
        }
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        prime();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // nothing was cached that a restored environment must not share
    }
}
