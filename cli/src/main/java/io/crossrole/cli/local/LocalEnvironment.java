package io.crossrole.cli.local;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.cli.template.SamTemplate;
import io.crossrole.config.CrossroleConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Crossrole's resources on an emulator, as template.yaml declares them: a moto server started for the purpose
 * (stopped by {@link #close()}), the environment the functions see (endpoint, demo credentials, table and
 * queue names = logical IDs), and the tables and queues created.
 *
 * <pre>{@code
 * try (LocalEnvironment local = LocalEnvironment.start(repo, Map.of())) {
 *     CrossroleConfig config = local.config();
 * }
 * }</pre>
 */
public final class LocalEnvironment implements AutoCloseable {
    private final MotoServer moto;
    private final SamTemplate template;
    private final Map<String, String> env;

    private LocalEnvironment(MotoServer moto, SamTemplate template, Map<String, String> env) {
        this.moto = moto;
        this.template = template;
        this.env = env;
    }

    /** Starts moto, creates the template's tables and queues. {@code settings} add to or override the environment. */
    public static LocalEnvironment start(Path repo, Map<String, String> settings) throws IOException {
        return start(repo, settings, true);
    }

    /** As {@link #start(Path, Map)}; without AWS managed policies when {@code managedPolicies} is false (faster). */
    public static LocalEnvironment start(Path repo, Map<String, String> settings, boolean managedPolicies) throws IOException {
        MotoServer moto = MotoServer.start(repo, managedPolicies);
        Map<String, String> env = new HashMap<>();
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", "local");
        env.put("AWS_SECRET_ACCESS_KEY", "local");
        env.put("GRANTS_TABLE", "GrantsTable");
        env.put("ASSIGNMENTS_TABLE", "AssignmentsTable");
        env.put("GRANT_TARGETS_TABLE", "GrantTargetsTable");
        env.put("NEW_ACCOUNT_READY_SECONDS", "30");
        // what template.yaml sets from the stack's account: moto's management account, where Crossrole runs locally
        env.put("CROSSROLE_ACCOUNT_ID", "123456789012");
        env.put("MANAGEMENT_ACCOUNT_ID", "123456789012");
        SamTemplate template = SamTemplate.read(repo.resolve("template.yaml"));
        env.put("RECONCILE_QUEUE_URL", new LocalQueues(template).name("ReconcileQueue"));
        env.put("RECONCILE_BULK_QUEUE_URL", new LocalQueues(template).name("ReconcileBulkQueue"));
        env.putAll(settings);
        System.setProperty("aws.accessKeyId", env.get("AWS_ACCESS_KEY_ID"));
        System.setProperty("aws.secretAccessKey", env.get("AWS_SECRET_ACCESS_KEY"));
        LocalEnvironment local = new LocalEnvironment(moto, template, env);
        CrossroleConfig config = local.config();
        try (AwsClientFactory clients = AwsClientFactory.create(config, List.of());
             DynamoDbClient dynamo = clients.dynamoDb(); SqsClient sqs = clients.client(SqsClient.builder())) {
            new LocalTables(template).create(dynamo, Map.of("GrantsTable", config.grantsTable(),
                    "AssignmentsTable", config.assignmentsTable(), "GrantTargetsTable", config.grantTargetsTable()));
            new LocalQueues(template).create(sqs);
        } catch (RuntimeException e) {
            moto.close();
            throw e;
        }
        return local;
    }

    public URI endpoint() {
        return moto.endpoint();
    }

    public SamTemplate template() {
        return template;
    }

    /** The environment a function sees locally. */
    public Map<String, String> env() {
        return Map.copyOf(env);
    }

    public CrossroleConfig config() {
        return CrossroleConfig.from(env);
    }

    @Override
    public void close() {
        moto.close();
    }
}
