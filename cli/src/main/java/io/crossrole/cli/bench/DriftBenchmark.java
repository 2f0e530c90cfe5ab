package io.crossrole.cli.bench;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.cli.internal.CallCounter;
import io.crossrole.cli.local.LocalEnvironment;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.drift.DriftRun;
import io.crossrole.grant.GrantImages;
import io.crossrole.model.AccountId;
import io.crossrole.org.OrganizationView;
import io.crossrole.reconcile.ReconcileKey;
import io.crossrole.reconcile.ReconcileRequest;
import io.crossrole.reconcile.ReconcileRequest.Cause;
import io.crossrole.reconcile.Reconciler;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.GrantRecord;
import io.crossrole.sts.Backoff;
import io.crossrole.wiring.Wiring;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.AlreadyInOrganizationException;

/**
 * The drift check over N accounts × M managed roles each, on a moto server of its own: run duration and the
 * AWS calls it makes per account. The claim under test: calls per account do not grow with the number of
 * roles (1 AssumeRole + one page of GetAccountAuthorizationDetails + one page of ListRoles per 1,000 roles).
 */
public final class DriftBenchmark {
    private final Path repo;
    private final PrintStream out;

    public DriftBenchmark(Path repo, PrintStream out) {
        this.repo = repo;
        this.out = out;
    }

    public record Row(int accounts, int rolesPerAccount, int concurrency, Duration duration, double assumePerAccount,
                      double gaadPerAccount, double listRolesPerAccount, double otherIamPerAccount, long iamWrites,
                      double dynamoPerAccount, Map<String, Object> summary) {
    }

    public List<Row> run(int accounts, List<Integer> rolesPerAccount, List<Integer> concurrencies) throws IOException {
        out.printf("drift check benchmark: %d accounts, roles per account %s, concurrency %s, on a local moto server%n",
                accounts, rolesPerAccount, concurrencies);
        out.println("method: provision M grants × N accounts in process, then run the scheduled drift check (report mode,"
                + " no queue: the accounts are checked in the invocation) and count AWS calls with an SDK ExecutionInterceptor");
        out.printf("%8s %6s %5s %10s %12s %10s %14s %10s %11s %10s%n", "accounts", "roles", "conc", "duration",
                "AssumeRole/a", "GAAD/a", "ListRoles/a", "otherIAM/a", "IAM writes", "Dynamo/a");
        List<Row> rows = new ArrayList<>();
        for (int roles : rolesPerAccount) {
            try (LocalEnvironment local = LocalEnvironment.start(repo, Map.of("ASSUME_ROLE_RETRY_SECONDS", "0"))) {
                CrossroleConfig config = local.config();
                provision(config, accounts, roles);
                for (int concurrency : concurrencies) {
                    Row row = measure(local, accounts, roles, concurrency);
                    rows.add(row);
                    out.printf("%8d %6d %5d %9.2fs %12.2f %10.2f %14.2f %10.2f %11d %10.2f%n", row.accounts(), row.rolesPerAccount(),
                            row.concurrency(), row.duration().toMillis() / 1000.0, row.assumePerAccount(), row.gaadPerAccount(),
                            row.listRolesPerAccount(), row.otherIamPerAccount(), row.iamWrites(), row.dynamoPerAccount());
                }
            }
        }
        return rows;
    }

    private Row measure(LocalEnvironment local, int accounts, int roles, int concurrency) {
        Map<String, String> env = new HashMap<>(local.env());
        env.put("DRIFT_CONCURRENCY", String.valueOf(concurrency));
        CrossroleConfig config = CrossroleConfig.from(env);
        CallCounter counter = new CallCounter();
        try (AwsClientFactory clients = AwsClientFactory.create(config, List.of(counter))) {
            DriftRun run = DriftRun.create(config, clients, "crossrole-bench", Backoff.standard(Duration.ZERO), Clock.systemUTC());
            long start = System.nanoTime();
            Map<String, Object> summary = run.scheduled();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            double n = accounts;
            long gaad = counter.count("Iam:GetAccountAuthorizationDetails");
            long listRoles = counter.count("Iam:ListRoles");
            return new Row(accounts, roles, concurrency, took, counter.count("Sts:AssumeRole") / n, gaad / n, listRoles / n,
                    (counter.total("Iam") - gaad - listRoles) / n, counter.writes("Iam"), counter.total("DynamoDb") / n, summary);
        }
    }

    /**
     * M grants, each a role in every one of the N accounts, provisioned by the reconcile engine directly (not what is
     * measured): the accounts are made members of the organization first, as the worker provisions only there.
     */
    private static void provision(CrossroleConfig config, int accounts, int roles) {
        try (AwsClientFactory clients = AwsClientFactory.create(config, List.of());
             DynamoDbClient dynamo = clients.dynamoDb();
             OrganizationsClient org = clients.organizations()) {
            List<String> ids = members(org, accounts);
            Wiring wiring = Wiring.of(config, clients, "crossrole-bench", Backoff.standard(Duration.ZERO), Clock.systemUTC());
            OrganizationView view = wiring.organization();
            Reconciler reconciler = Reconciler.create(wiring, clients, Backoff.standard(Duration.ZERO), Clock.systemUTC());
            for (int g = 0; g < roles; g++) {
                String json = """
                        {"grantId": "bench-%d", "roleName": "BenchRole%d", "targets": %s,
                         "trustedPrincipals": ["%s"], "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                         "tags": {"bench": "true"}}""".formatted(g, g, ids.stream().map(i -> "\"" + i + "\"").toList(), ids.get(0));
                Map<String, Object> raw = GrantImages.fromJson(json);
                dynamo.putItem(r -> r.tableName(config.grantsTable()).item(GrantImages.toItem(raw)));
                GrantRecord record = wiring.grants().record(raw);
                ids.parallelStream().forEach(account -> {
                    Reconciler.Result result = reconciler.reconcile(new ReconcileRequest(
                            new ReconcileKey.OwnerAccount(record.grantId(), AccountId.of(account)), Cause.PLAN, "setup", Optional.empty()),
                            record, view, Instant.now());
                    if (result.status() != AssignmentStatus.PROVISIONED) {
                        throw new IllegalStateException("setup: " + record.grantId() + " in " + account + " is " + result.status());
                    }
                });
            }
        }
    }

    /** N accounts in the emulator's organization (created under its root). */
    static List<String> members(OrganizationsClient org, int accounts) {
        try {
            org.createOrganization(r -> r.featureSet("ALL"));
        } catch (AlreadyInOrganizationException e) {
            // made already
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < accounts; i++) {
            int n = i;
            String request = org.createAccount(r -> r.accountName("bench-" + n).email("bench-" + n + "@example.com"))
                    .createAccountStatus().id();
            ids.add(org.describeCreateAccountStatus(r -> r.createAccountRequestId(request)).createAccountStatus().accountId());
        }
        return ids;
    }
}
