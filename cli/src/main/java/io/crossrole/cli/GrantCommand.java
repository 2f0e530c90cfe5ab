package io.crossrole.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.failure.AwsFailures;
import io.crossrole.grant.GrantImages;
import io.crossrole.grant.GrantParser;
import io.crossrole.grant.GrantValidation;
import io.crossrole.grant.ResourceGrant;
import io.crossrole.guardrail.GrantReview;
import io.crossrole.model.Target;
import io.crossrole.org.OrganizationView;
import io.crossrole.plan.GrantPlanner;
import io.crossrole.reconcile.ReconcileKey;
import io.crossrole.reconcile.ReconcilePlan;
import io.crossrole.reconcile.ReconcileRequest;
import io.crossrole.reconcile.ReconcileRequest.Cause;
import io.crossrole.reconcile.Reconciler;
import io.crossrole.store.GrantRecord;
import io.crossrole.sts.Backoff;
import io.crossrole.wiring.Wiring;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@code crossrole grant validate|plan|put <file>}: grant files checked, previewed and written. */
final class GrantCommand {
    static final String HELP = """
            Usage: crossrole grant <validate|plan|put> <file> [--guardrails <file>] [--json]

              validate <file>   Check a grant file (JSON: the Grants table's attribute names with plain values) against
                                IAM's rules and the guardrails, and print every problem, each naming its field. Needs no
                                AWS access, so the guardrails that need the organization (trusted accounts outside it,
                                protected targets) are checked by plan and by the functions.
              plan <file>       Dry run, read-only against AWS_ENDPOINT_URL (or AWS), through the functions' own code: every
                                check, the organization's included; the accounts and grantees the grant stream would queue
                                (OUs and the root expanded, accounts the grant was applied in, renames); and for each, the
                                exact IAM changes the reconcile worker would make. --json prints them as JSON, with the
                                IAM API calls of each.
              put <file>        Validate, then write the record to the Grants table (GRANTS_TABLE, default GrantsTable);
                                the grant stream applies it. A refused file is not written.

              --guardrails <file>  the guardrails document to check against (default: CROSSROLE_GUARDRAILS, else every
                                   default: nothing outside the organization, no administrator or IAM-write policy, the
                                   management account protected). The document in force is printed.

            Schema: docs/grant.schema.json. Examples and their guardrails: examples/.
            Exit codes: 0 valid / planned / written, 1 refused grant (or plan found a conflict), 2 usage or AWS error.""";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private GrantCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) throws IOException {
        if (args.length < 2 || List.of(args).contains("--help")) {
            out.println(HELP);
            return List.of(args).contains("--help") ? Crossrole.OK : Crossrole.USAGE;
        }
        Path file = Path.of(args[1]);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no grant file " + file);
        }
        Map<String, String> settings = Crossrole.withTables(env);
        int at = List.of(args).indexOf("--guardrails");
        if (at >= 0) {
            if (at + 1 >= args.length || !Files.isRegularFile(Path.of(args[at + 1]))) {
                throw new IllegalArgumentException("--guardrails needs a guardrails file");
            }
            settings.put("CROSSROLE_GUARDRAILS", Files.readString(Path.of(args[at + 1])));
        }
        CrossroleConfig config = CrossroleConfig.from(settings);
        Map<String, Object> raw;
        try {
            raw = GrantImages.fromJson(Files.readString(file));
        } catch (IllegalArgumentException e) {
            err.println(file + ": " + e.getMessage());
            return Crossrole.FUNCTION_FAILED;
        }
        GrantReview review = new GrantReview(new GrantParser(config.partition(), config.limits(), config.managedRolePath()),
                config.guardrails());
        boolean json = List.of(args).contains("--json");
        if (!json) {
            out.println("guardrails in force" + (at >= 0 ? " (" + args[at + 1] + ")" : settings.containsKey("CROSSROLE_GUARDRAILS")
                    ? " (CROSSROLE_GUARDRAILS)" : " (every default)") + ": " + config.guardrails().toJson().replaceAll("\\s+", " "));
        }
        return switch (args[0]) {
            case "validate" -> report(file, review.document(raw), out, err, "; the organization's guardrails are checked by plan");
            case "put" -> put(file, raw, review.document(raw), config, out, err);
            case "plan" -> plan(file, raw, review, config, json, out, err);
            default -> throw new IllegalArgumentException("unknown grant command '" + args[0] + "'; use validate, plan or put");
        };
    }

    private static int report(Path file, GrantValidation validation, PrintStream out, PrintStream err, String note) {
        if (validation.isValid()) {
            out.printf("%s: valid grant %s: %s in %s%s%n", file, validation.grantId().orElseThrow(), what(validation),
                    String.join(", ", validation.targets().stream().map(Target::id).toList()), note);
            return Crossrole.OK;
        }
        err.printf("%s: %d problem%s%n", file, validation.problems().size(), validation.problems().size() == 1 ? "" : "s");
        validation.problems().forEach(p -> err.println("  " + p));
        return Crossrole.FUNCTION_FAILED;
    }

    private static int put(Path file, Map<String, Object> raw, GrantValidation validation, CrossroleConfig config,
                           PrintStream out, PrintStream err) {
        if (!validation.isValid()) {
            report(file, validation, out, err, "");
            err.println("nothing was written");
            return Crossrole.FUNCTION_FAILED;
        }
        try (AwsClientFactory clients = AwsClientFactory.create(config, List.of()); DynamoDbClient dynamo = clients.dynamoDb()) {
            dynamo.putItem(r -> r.tableName(config.grantsTable()).item(GrantImages.toItem(raw)));
        } catch (RuntimeException e) {
            err.println("cannot write to " + config.grantsTable() + ": " + AwsFailures.message(e));
            return Crossrole.USAGE;
        }
        out.printf("put grant %s into %s: the grant stream applies it (crossrole status %s)%n",
                validation.grant().orElseThrow().grantId(), config.grantsTable(), validation.grant().orElseThrow().grantId());
        return Crossrole.OK;
    }

    /**
     * The functions' own path, read-only: {@link GrantPlanner} names the keys the grant stream would queue, and
     * {@link Reconciler#plan} says what the worker would do with each, as it reads the grant (here: the file).
     */
    private static int plan(Path file, Map<String, Object> raw, GrantReview review, CrossroleConfig config, boolean json,
                            PrintStream out, PrintStream err) throws IOException {
        List<Map<String, Object>> accounts = new ArrayList<>();
        List<Map<String, Object>> grantees = new ArrayList<>();
        Map<String, String> unresolved;
        boolean conflict = false;
        GrantValidation validation;
        try (AwsClientFactory clients = AwsClientFactory.create(config, List.of())) {
            Wiring wiring = Wiring.of(config, clients, "crossrole-plan", Backoff.standard(Duration.ZERO), Clock.systemUTC());
            Reconciler reconciler = Reconciler.create(wiring, clients, Backoff.standard(Duration.ZERO), Clock.systemUTC());
            OrganizationView org = wiring.organization();
            GrantRecord record = wiring.grants().record(raw);
            validation = review.review(record.parsed(), org);
            if (!validation.isValid()) {
                return report(file, validation, out, err, "");
            }
            OrganizationView.Expansion expansion = org.expand(validation.targets());
            unresolved = expansion.unresolved();
            GrantPlanner.GrantPlan plan = GrantPlanner.plan(record.grantId(), validation, expansion,
                    wiring.store().forGrant(record.grantId()).assignments());
            for (GrantPlanner.PlannedKey k : plan.keys()) {
                ReconcilePlan p = reconciler.plan(new ReconcileRequest(k.key(), Cause.PLAN, "plan", k.roleName()), record, org);
                conflict |= p.verb().equals("conflict") || p.verb().equals("refused");
                Map<String, Object> entry = new LinkedHashMap<>();
                switch (k.key()) {
                    case ReconcileKey.OwnerAccount o -> {
                        entry.put("accountId", o.owner().value());
                        entry.put("roleArn", p instanceof ReconcilePlan.Role r ? r.roleArn() : "");
                        accounts.add(entry);
                    }
                    case ReconcileKey.Grantee g -> {
                        entry.put("grantee", g.principal().toString());
                        entry.put("side", g.side().field());
                        grantees.add(entry);
                    }
                }
                entry.put("action", p.verb());
                entry.put("why", k.why());
                entry.put("operations", p.describe());
                entry.put("calls", p.actions());
            }
        }
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("grantId", validation.grantId().orElseThrow());
            validation.grant().ifPresent(g -> doc.put("roleName", g.roleName()));
            validation.resourceGrant().ifPresent(g -> doc.put("statementSid", g.sid()));
            doc.put("accounts", accounts);
            doc.put("grantees", grantees);
            doc.put("unresolvedTargets", unresolved);
            out.println(JSON.writeValueAsString(doc));
        } else {
            out.printf("Plan for grant %s (%s): %d account(s), %d grantee(s)%n", validation.grantId().orElseThrow(), what(validation),
                    accounts.size(), grantees.size());
            for (Map<String, Object> a : accounts) {
                out.printf("  %s  %s  %s%n", a.get("accountId"), a.get("action"), a.get("roleArn"));
                operations(a).forEach(op -> out.println("      " + op));
            }
            for (Map<String, Object> g : grantees) {
                out.printf("  %s %s  %s%n", g.get("side"), g.get("grantee"), g.get("action"));
                operations(g).forEach(op -> out.println("      " + op));
            }
            unresolved.forEach((t, why) -> out.printf("  %s  cannot expand: %s%n", t, why));
        }
        return conflict ? Crossrole.FUNCTION_FAILED : Crossrole.OK;
    }

    /** What a valid grant makes: a role, or a statement in resource policies. */
    private static String what(GrantValidation validation) {
        return validation.grant().map(g -> "role " + g.rolePath() + g.roleName())
                .orElseGet(() -> validation.resourceGrant().map(r -> "statement " + r.sid() + " in the policies of "
                        + String.join(", ", r.resources().stream().map(ResourceGrant.ResourceArn::arn).toList())).orElse("?"));
    }

    @SuppressWarnings("unchecked")
    private static List<String> operations(Map<String, Object> entry) {
        return (List<String>) entry.get("operations");
    }
}
