package io.crossrole.cli;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.grant.GrantParser;
import io.crossrole.report.AccessReport;
import io.crossrole.report.ReportFiles;
import io.crossrole.store.AssignmentStore;
import io.crossrole.store.GrantStore;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@code crossrole report [--out DIR] [--unused-days N]}: the access report from the tables, as HTML, CSV and JSON. */
public final class ReportCommand {
    static final String HELP = """
            Usage: crossrole report [--out DIR] [--unused-days N]

            Reads the Grants and Assignments tables (GRANTS_TABLE, ASSIGNMENTS_TABLE; default GrantsTable and
            AssignmentsTable) and writes who may assume what, where, until when and whether anyone does:
              DIR/access-report.html  one self-contained page (nothing fetched when viewed): the figures and a picture
                                      of which grantee accounts reach which owner accounts, the grantee × owner matrix,
                                      then every grant × owner account with filters by grant, account and status
              DIR/access-report.csv   the same rows, for a spreadsheet
              DIR/access-report.json  the same rows, the matrix and the figures
            Roles with no use recorded for N days (default 90; the drift check records each role's last use) and grants
            expiring within 7 days are highlighted. External IDs are never written, only whether one is required.
            DIR defaults to ./crossrole-report. Exit 0 written, 2 usage or AWS error.""";

    private ReportCommand() {
    }

    static int run(String[] args, PrintStream out, Map<String, String> env) {
        Path dir = Path.of("crossrole-report");
        int days = 90;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--help" -> {
                    out.println(HELP);
                    return Crossrole.OK;
                }
                case "--out" -> dir = Path.of(value(args, ++i, "--out"));
                case "--unused-days" -> {
                    try {
                        days = Integer.parseInt(value(args, ++i, "--unused-days"));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--unused-days takes a whole number of days");
                    }
                    if (days < 1) {
                        throw new IllegalArgumentException("--unused-days must be at least 1");
                    }
                }
                default -> throw new IllegalArgumentException("unexpected argument '" + args[i] + "'\n" + HELP);
            }
        }
        CrossroleConfig config = CrossroleConfig.from(Crossrole.withTables(env));
        AccessReport report = write(config, dir, Duration.ofDays(days), out);
        out.printf("%d grant(s), %d owner account(s), %d grantee account(s); %d unused for %d days, %d expiring within 7 days%n",
                report.summary().grants(), report.summary().ownerAccounts(), report.summary().granteeAccounts(),
                report.summary().unused(), days, report.summary().expiringSoon());
        return Crossrole.OK;
    }

    /** Reads the tables, writes the three files and prints their paths: what the command and the demo do. */
    public static AccessReport write(CrossroleConfig config, Path dir, Duration unusedAfter, PrintStream out) {
        AccessReport report;
        try (AwsClientFactory clients = AwsClientFactory.create(config, List.of()); DynamoDbClient dynamo = clients.dynamoDb()) {
            GrantStore grants = new GrantStore(dynamo, config.grantsTable(),
                    new GrantParser(config.partition(), config.limits(), config.managedRolePath()));
            AssignmentStore assignments = new AssignmentStore(dynamo, config.assignmentsTable());
            report = AccessReport.build(grants.all(), assignments.all(), Clock.systemUTC().instant(), unusedAfter);
        }
        for (Path file : ReportFiles.write(report, dir)) {
            out.println("crossrole: wrote " + file.toAbsolutePath().normalize());
        }
        return report;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
