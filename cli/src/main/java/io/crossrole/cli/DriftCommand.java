package io.crossrole.cli;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.drift.DriftRun;
import io.crossrole.sts.Backoff;
import java.io.PrintStream;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code crossrole drift [--remediate]}: the drift check, run here, its differences printed. */
final class DriftCommand {
    static final String HELP = """
            Usage: crossrole drift [--remediate]

            Runs the drift check in this process against AWS_ENDPOINT_URL (or AWS): revokes expired grants, then checks
            every account with a live assignment (and every ACTIVE account of the organization), one bulk read per
            account, and prints each difference. Report mode by default (nothing written to IAM for drift);
            --remediate queues each repair (and each expired grant's revocation) on the reconcile queues
            (RECONCILE_QUEUE_URL, RECONCILE_BULK_QUEUE_URL; locally ReconcileQueue.fifo and ReconcileBulkQueue.fifo),
            where the reconcile worker applies it: `crossrole drain ReconcileWorkerFunction` or `crossrole run` locally.
            Statuses are recorded as the scheduled function records them.
            Exit codes: 0 all in sync, 1 drift, orphans or unreachable accounts found, 2 usage or AWS error.""";

    private DriftCommand() {
    }

    static int run(String[] args, PrintStream out, Map<String, String> env) {
        if (List.of(args).contains("--help") || (args.length > 0 && !List.of(args).equals(List.of("--remediate")))) {
            out.println(HELP);
            return List.of(args).contains("--help") ? Crossrole.OK : Crossrole.USAGE;
        }
        Map<String, String> settings = new HashMap<>(Crossrole.withTables(env));
        settings.remove("DRIFT_QUEUE_URL");
        if (args.length == 1) {
            settings.put("DRIFT_MODE", "remediate");
        }
        CrossroleConfig config = CrossroleConfig.from(settings);
        Map<String, Object> summary;
        try (AwsClientFactory clients = AwsClientFactory.create(config, List.of())) {
            summary = DriftRun.create(config, clients, "crossrole-cli-drift", Backoff.standard(config.assumeRoleRetry()),
                    Clock.systemUTC()).scheduled();
        }
        @SuppressWarnings("unchecked")
        List<String> findings = (List<String>) summary.get("findings");
        findings.forEach(f -> out.println("  " + f));
        out.printf("drift check (%s): %s accounts checked, %s in sync, %s drifted, %s repairs queued, %s expired grants revoked, "
                        + "%s orphans, %s accounts unreachable, %s ms%n", summary.get("mode"), summary.get("accountsChecked"),
                summary.get("inSync"), summary.get("drifted"), summary.get("repairsQueued"), summary.get("expiredRevoked"),
                summary.get("orphans"), summary.get("failed"), summary.get("durationMs"));
        boolean clean = ((Number) summary.get("drifted")).intValue() == 0 && ((Number) summary.get("orphans")).intValue() == 0
                && ((Number) summary.get("failed")).intValue() == 0;
        return clean ? Crossrole.OK : Crossrole.FUNCTION_FAILED;
    }
}
