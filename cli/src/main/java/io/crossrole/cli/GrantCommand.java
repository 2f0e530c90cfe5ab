package io.crossrole.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.failure.AwsFailures;
import io.crossrole.failure.ProvisioningException;
import io.crossrole.grant.Grant;
import io.crossrole.grant.GrantImages;
import io.crossrole.grant.GrantParser;
import io.crossrole.grant.GrantValidation;
import io.crossrole.guardrail.GrantReview;
import io.crossrole.iam.IamRoleReader;
import io.crossrole.model.AccountId;
import io.crossrole.model.Target;
import io.crossrole.org.OrganizationReader;
import io.crossrole.org.OrganizationView;
import io.crossrole.role.ActualRole;
import io.crossrole.role.DesiredRole;
import io.crossrole.role.PlanDecision;
import io.crossrole.role.RolePlan;
import io.crossrole.role.RolePlanner;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.AssignmentStore;
import io.crossrole.sts.AccountAccess;
import io.crossrole.sts.Backoff;
import io.crossrole.sts.CallerAccount;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.iam.IamClient;

/** {@code crossrole grant validate|plan|put <file>}: grant files checked, previewed and written. */
final class GrantCommand {
    static final String HELP = """
            Usage: crossrole grant <validate|plan|put> <file> [--guardrails <file>] [--json]

              validate <file>   Check a grant file (JSON: the Grants table's attribute names with plain values) against
                                IAM's rules and the guardrails, and print every problem, each naming its field. Needs no
                                AWS access, so the guardrails that need the organization (trusted accounts outside it,
                                protected targets) are checked by plan and by the functions.
              plan <file>       Dry run: every check, the organization's included, then for each target account (OUs and
                                the root expanded through Organizations) the exact IAM changes the grant would make,
                                read-only against AWS_ENDPOINT_URL (or AWS). --json prints them as JSON.
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
            Grant g = validation.grant().orElseThrow();
            out.printf("%s: valid grant %s: role %s%s in %s%s%n", file, g.grantId(), g.rolePath(), g.roleName(),
                    String.join(", ", g.targets().stream().map(Target::id).toList()), note);
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

    private static int plan(Path file, Map<String, Object> raw, GrantReview review, CrossroleConfig config, boolean json,
                            PrintStream out, PrintStream err) throws IOException {
        List<Map<String, Object>> accounts = new ArrayList<>();
        Map<String, String> unresolved;
        boolean conflict = false;
        Grant grant;
        String roleName;
        String rolePath;
        try (AwsClientFactory clients = AwsClientFactory.create(config, List.of());
             AccountAccess access = new AccountAccess(clients, config, Backoff.standard(Duration.ZERO), "crossrole-plan")) {
            OrganizationView org = new OrganizationView(new OrganizationReader(clients.organizations()), CallerAccount.of(config, clients));
            GrantValidation validation = review.review(raw, org);
            if (!validation.isValid()) {
                return report(file, validation, out, err, "");
            }
            grant = validation.grant().orElseThrow();
            roleName = grant.roleName();
            rolePath = grant.rolePath();
            OrganizationView.Expansion expansion = org.expand(grant.targets());
            unresolved = new LinkedHashMap<>(expansion.unresolved());
            Set<AccountId> targeted = new LinkedHashSet<>();
            for (AccountId account : expansion.accounts()) {
                review.guardrails().protection(account, org).ifPresentOrElse(why -> unresolved.put(account.value(),
                        "not provisioned: guardrail protectedTargets: " + why), () -> targeted.add(account));
            }
            for (AccountId account : targeted) {
                DesiredRole desired = DesiredRole.of(grant, account);
                Map<String, Object> entry = entry(account, desired.arn(config.partition(), account));
                try {
                    IamClient iam = access.iam(account);
                    Optional<ActualRole> actual = new IamRoleReader().read(iam, desired.roleName(), true);
                    PlanDecision decision = RolePlanner.reconcile(actual, desired);
                    if (decision instanceof PlanDecision.Conflict c) {
                        conflict = true;
                        entry.put("action", "conflict");
                        entry.put("operations", List.of(c.message()));
                    } else {
                        RolePlan plan = ((PlanDecision.Apply) decision).plan();
                        entry.put("action", plan.isEmpty() ? "none" : actual.isEmpty() ? "create" : "update");
                        entry.put("operations", plan.describe());
                    }
                } catch (ProvisioningException | software.amazon.awssdk.core.exception.SdkException e) {
                    entry.put("action", "unreachable");
                    entry.put("operations", List.of(e instanceof ProvisioningException ? e.getMessage() : AwsFailures.message(e)));
                }
                accounts.add(entry);
            }
            for (Assignment a : previous(clients, config, grant.grantId())) {
                AccountId account = AccountId.of(a.accountId());
                if (expansion.accounts().contains(account)) {
                    continue;
                }
                Map<String, Object> entry = entry(account, a.roleArn().orElse(""));
                try {
                    Optional<ActualRole> actual = new IamRoleReader().read(access.iam(account), a.roleName().orElse(roleName), true);
                    PlanDecision decision = RolePlanner.revoke(actual, a.roleName().orElse(roleName), grant.grantId());
                    entry.put("action", "revoke");
                    entry.put("operations", decision instanceof PlanDecision.Apply apply ? apply.plan().describe()
                            : List.of(((PlanDecision.Conflict) decision).message()));
                } catch (ProvisioningException | software.amazon.awssdk.core.exception.SdkException e) {
                    entry.put("action", "unreachable");
                    entry.put("operations", List.of(e.getMessage()));
                }
                accounts.add(entry);
            }
        }
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("grantId", grant.grantId());
            doc.put("roleName", roleName);
            doc.put("accounts", accounts);
            doc.put("unresolvedTargets", unresolved);
            out.println(JSON.writeValueAsString(doc));
        } else {
            out.printf("Plan for grant %s (role %s%s): %d account(s)%n", grant.grantId(), rolePath, roleName, accounts.size());
            for (Map<String, Object> a : accounts) {
                out.printf("  %s  %s  %s%n", a.get("accountId"), a.get("action"), a.get("roleArn"));
                @SuppressWarnings("unchecked")
                List<String> ops = (List<String>) a.get("operations");
                ops.forEach(op -> out.println("      " + op));
            }
            unresolved.forEach((t, why) -> out.printf("  %s  cannot expand: %s%n", t, why));
        }
        return conflict ? Crossrole.FUNCTION_FAILED : Crossrole.OK;
    }

    private static Map<String, Object> entry(AccountId account, String roleArn) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("accountId", account.value());
        entry.put("roleArn", roleArn);
        return entry;
    }

    /** Accounts where the grant is applied now, from the Assignments table (none when it cannot be read). */
    private static List<Assignment> previous(AwsClientFactory clients, CrossroleConfig config, String grantId) {
        try (DynamoDbClient dynamo = clients.dynamoDb()) {
            return new AssignmentStore(dynamo, config.assignmentsTable(), Clock.systemUTC()).forGrant(grantId).stream()
                    .filter(a -> a.isAccount() && a.status() != AssignmentStatus.REVOKED).toList();
        } catch (RuntimeException e) {
            return List.of();
        }
    }
}
