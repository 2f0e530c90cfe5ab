package io.crossrole.cli;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.AssignmentStore;
import java.io.PrintStream;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@code crossrole status [grantId]}: assignments as a table. */
final class StatusCommand {
    static final String HELP = """
            Usage: crossrole status [grantId]

            Lists assignments from the Assignments table (ASSIGNMENTS_TABLE, default AssignmentsTable): account, role ARN,
            status (PENDING, PROVISIONED, FAILED, DRIFTED, REVOKED), message and last update; all grants, or one.
            Exit codes: 0 listed, 1 some assignment is FAILED or DRIFTED, 2 usage or AWS error.""";

    private StatusCommand() {
    }

    static int run(String[] args, PrintStream out, Map<String, String> env) {
        if (List.of(args).contains("--help") || args.length > 1) {
            out.println(HELP);
            return List.of(args).contains("--help") ? Crossrole.OK : Crossrole.USAGE;
        }
        CrossroleConfig config = CrossroleConfig.from(Crossrole.withTables(env));
        List<Assignment> rows;
        try (AwsClientFactory clients = AwsClientFactory.create(config, List.of()); DynamoDbClient dynamo = clients.dynamoDb()) {
            AssignmentStore store = new AssignmentStore(dynamo, config.assignmentsTable());
            rows = args.length == 1 ? store.forGrant(args[0]).assignments() : store.all();
        }
        rows = rows.stream().sorted(Comparator.comparing(Assignment::grantId).thenComparing(a -> a.key().stored())).toList();
        out.printf("%-20s %-22s %-12s %-50s %-24s %s%n", "GRANT", "ACCOUNT", "STATUS", "ROLE ARN", "UPDATED", "MESSAGE");
        for (Assignment a : rows) {
            out.printf("%-20s %-22s %-12s %-50s %-24s %s%n", a.grantId(), a.key().stored(), a.status(), a.roleArn().orElse("-"),
                    a.updatedAt().toString(), a.message());
        }
        out.printf("%d assignment(s)%n", rows.size());
        boolean attention = rows.stream().anyMatch(a -> a.status() == AssignmentStatus.FAILED || a.status() == AssignmentStatus.DRIFTED);
        return attention ? Crossrole.FUNCTION_FAILED : Crossrole.OK;
    }
}
