package io.crossrole.config;

import io.crossrole.grant.Limits;
import io.crossrole.guardrail.Guardrails;
import io.crossrole.model.AccountId;
import io.crossrole.model.IamNames;
import io.crossrole.model.Partition;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Everything Crossrole reads from its environment; the only class that does.
 *
 * <table>
 *   <caption>Variables</caption>
 *   <tr><td>GRANTS_TABLE, ASSIGNMENTS_TABLE, GRANT_TARGETS_TABLE</td><td>table names (required)</td></tr>
 *   <tr><td>HUB_ROLE_ARN</td><td>optional role assumed first; empty means none</td></tr>
 *   <tr><td>MEMBER_ROLE_NAME</td><td>role assumed in each owner account (OrganizationAccountAccessRole)</td></tr>
 *   <tr><td>TRUST_POLICY_MAX_CHARS, INLINE_POLICIES_MAX_CHARS, MANAGED_POLICIES_MAX</td><td>IAM quotas</td></tr>
 *   <tr><td>ASSUME_ROLE_RETRY_SECONDS</td><td>how long to wait out an account that denies AssumeRole (20)</td></tr>
 *   <tr><td>NEW_ACCOUNT_READY_SECONDS</td><td>how long to wait for a just-created account's member role (300)</td></tr>
 *   <tr><td>DRIFT_MODE</td><td>report (default) or remediate</td></tr>
 *   <tr><td>DRIFT_QUEUE_URL</td><td>the queue the drift check fans accounts out on (a URL, or a queue name)</td></tr>
 *   <tr><td>DRIFT_ACCOUNTS_PER_MESSAGE, DRIFT_CONCURRENCY</td><td>accounts per queued message (25); accounts checked at once (8)</td></tr>
 *   <tr><td>CROSSROLE_PRIME_AT_INIT</td><td>run the SnapStart priming work during init (benchmarks; SnapStart runs it before the snapshot)</td></tr>
 *   <tr><td>CROSSROLE_GUARDRAILS</td><td>the guardrails document (JSON; empty: every default), see {@link Guardrails}</td></tr>
 *   <tr><td>MANAGED_ROLE_PATH</td><td>the path every role Crossrole creates lives under (/crossrole-managed/)</td></tr>
 *   <tr><td>CROSSROLE_ACCOUNT_ID</td><td>the account Crossrole runs in (unset: asked of STS)</td></tr>
 *   <tr><td>MANAGEMENT_ACCOUNT_ID</td><td>the organization's management account (unset: asked of Organizations)</td></tr>
 *   <tr><td>ORGANIZATION_ID</td><td>the organization's ID, o-… (unset: asked of Organizations)</td></tr>
 *   <tr><td>RECONCILE_QUEUE_URL</td><td>the FIFO queue of reconcile requests (a URL, or a queue name)</td></tr>
 *   <tr><td>RECONCILE_BULK_QUEUE_URL</td><td>the FIFO queue of fan-outs over many accounts (unset: the reconcile queue)</td></tr>
 *   <tr><td>RECONCILE_RETRY_SECONDS</td><td>the first backoff of a reconcile stopped by a passing fault (10; doubled per receive, at most 300)</td></tr>
 *   <tr><td>REPORT_BUCKET</td><td>an S3 bucket the scheduled drift check writes the access report to, as JSON (unset: none)</td></tr>
 *   <tr><td>REPORT_UNUSED_DAYS</td><td>days without a recorded use after which the report calls a role unused (90)</td></tr>
 *   <tr><td>AWS_REGION, AWS_ENDPOINT_URL</td><td>region (us-east-1) and an emulator endpoint</td></tr>
 * </table>
 *
 * <pre>{@code
 * CrossroleConfig config = CrossroleConfig.fromEnvironment();
 * }</pre>
 */
public record CrossroleConfig(
        String grantsTable,
        String assignmentsTable,
        String grantTargetsTable,
        Optional<String> hubRoleArn,
        String memberRoleName,
        String region,
        Partition partition,
        Optional<URI> endpointOverride,
        Limits limits,
        Duration assumeRoleRetry,
        Duration newAccountReady,
        DriftMode driftMode,
        Optional<String> driftQueue,
        int driftAccountsPerMessage,
        int driftConcurrency,
        boolean inLambda,
        boolean primeAtInit,
        Guardrails guardrails,
        String managedRolePath,
        Optional<AccountId> crossroleAccountId,
        Optional<AccountId> managementAccountId,
        Optional<String> organizationId,
        Optional<String> reconcileQueue,
        Optional<String> reconcileBulkQueue,
        Duration reconcileRetry,
        Optional<String> reportBucket,
        Duration reportUnusedAfter) {

    /** The object the scheduled drift check writes the access report to, in {@link #reportBucket()}. */
    public static final String REPORT_KEY = "crossrole/access-report.json";

    /** Where the roles Crossrole creates live unless configured otherwise: a path nothing else uses. */
    public static final String DEFAULT_MANAGED_ROLE_PATH = "/crossrole-managed/";

    /** What the drift check does with a role that differs from its grant. */
    public enum DriftMode {
        /** Record DRIFTED with the differences; write nothing to IAM. */
        REPORT,
        /** Apply the plan that brings the role back to its grant. */
        REMEDIATE
    }

    private static final Pattern ROLE_NAME = Pattern.compile("[\\w+=,.@-]{1,64}");
    private static final Pattern ROLE_ARN = Pattern.compile("arn:[a-z-]+:iam::\\d{12}:role/[\\x21-\\x7E]+");
    private static final Pattern ORGANIZATION_ID = Pattern.compile("o-[a-z0-9]{10,32}");
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    public static CrossroleConfig fromEnvironment() {
        return from(System.getenv());
    }

    /**
     * @throws IllegalStateException naming each variable that is missing or malformed
     */
    public static CrossroleConfig from(Map<String, String> env) {
        StringBuilder problems = new StringBuilder();
        String grants = required(env, "GRANTS_TABLE", problems);
        String assignments = required(env, "ASSIGNMENTS_TABLE", problems);
        String targets = required(env, "GRANT_TARGETS_TABLE", problems);
        Optional<String> hub = optional(env, "HUB_ROLE_ARN");
        hub.filter(arn -> !ROLE_ARN.matcher(arn).matches())
                .ifPresent(arn -> problems.append("HUB_ROLE_ARN must be a role ARN, got '").append(arn).append("'. "));
        String member = optional(env, "MEMBER_ROLE_NAME").orElse("OrganizationAccountAccessRole");
        if (!ROLE_NAME.matcher(member).matches()) {
            problems.append("MEMBER_ROLE_NAME must be a role name, got '").append(member).append("'. ");
        }
        String region = optional(env, "AWS_REGION").or(() -> optional(env, "AWS_DEFAULT_REGION")).orElse("us-east-1");
        Optional<URI> endpoint = Optional.empty();
        Optional<String> endpointText = optional(env, "AWS_ENDPOINT_URL");
        if (endpointText.isPresent()) {
            try {
                endpoint = Optional.of(new URI(endpointText.get()));
            } catch (URISyntaxException e) {
                problems.append("AWS_ENDPOINT_URL is not a URL: ").append(e.getMessage()).append(". ");
            }
        }
        int trustChars = number(env, "TRUST_POLICY_MAX_CHARS", Limits.DEFAULT.trustPolicyMaxChars(), 1, problems);
        int inlineChars = number(env, "INLINE_POLICIES_MAX_CHARS", Limits.DEFAULT.inlinePoliciesMaxChars(), 1, problems);
        int managed = number(env, "MANAGED_POLICIES_MAX", Limits.DEFAULT.managedPoliciesMax(), 1, problems);
        int retrySeconds = number(env, "ASSUME_ROLE_RETRY_SECONDS", 20, 0, problems);
        int readySeconds = number(env, "NEW_ACCOUNT_READY_SECONDS", 300, 0, problems);
        DriftMode mode = DriftMode.REPORT;
        Optional<String> modeText = optional(env, "DRIFT_MODE");
        if (modeText.isPresent()) {
            try {
                mode = DriftMode.valueOf(modeText.get().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.append("DRIFT_MODE must be report or remediate, got '").append(modeText.get()).append("'. ");
            }
        }
        int perMessage = number(env, "DRIFT_ACCOUNTS_PER_MESSAGE", 25, 1, problems);
        int concurrency = number(env, "DRIFT_CONCURRENCY", 8, 1, problems);
        Guardrails guardrails = Guardrails.DEFAULT;
        try {
            guardrails = Guardrails.parse(optional(env, "CROSSROLE_GUARDRAILS").orElse(""));
        } catch (IllegalArgumentException e) {
            problems.append("CROSSROLE_GUARDRAILS: ").append(e.getMessage()).append(". ");
        }
        String managedRolePath = optional(env, "MANAGED_ROLE_PATH").orElse(DEFAULT_MANAGED_ROLE_PATH);
        if (!IamNames.isValidPath(managedRolePath)) {
            problems.append("MANAGED_ROLE_PATH must be / or /a/b/ (letters, digits and + = , . @ _ - between slashes), got '")
                    .append(managedRolePath).append("'. ");
        }
        Optional<String> accountText = optional(env, "CROSSROLE_ACCOUNT_ID");
        accountText.filter(a -> !AccountId.isValid(a)).ifPresent(a ->
                problems.append("CROSSROLE_ACCOUNT_ID must be a 12-digit account ID, got '").append(a).append("'. "));
        Optional<String> managementText = optional(env, "MANAGEMENT_ACCOUNT_ID");
        managementText.filter(a -> !AccountId.isValid(a)).ifPresent(a ->
                problems.append("MANAGEMENT_ACCOUNT_ID must be a 12-digit account ID, got '").append(a).append("'. "));
        Optional<String> organizationId = optional(env, "ORGANIZATION_ID");
        organizationId.filter(o -> !ORGANIZATION_ID.matcher(o).matches()).ifPresent(o ->
                problems.append("ORGANIZATION_ID must be an organization ID (o- and 10 to 32 lower-case letters or digits), got '")
                        .append(o).append("'. "));
        int reconcileRetry = number(env, "RECONCILE_RETRY_SECONDS", 10, 0, problems);
        Optional<String> reportBucket = optional(env, "REPORT_BUCKET");
        reportBucket.filter(b -> !BUCKET.matcher(b).matches()).ifPresent(b ->
                problems.append("REPORT_BUCKET must be an S3 bucket name, got '").append(b).append("'. "));
        int unusedDays = number(env, "REPORT_UNUSED_DAYS", 90, 1, problems);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Crossrole configuration: " + problems.toString().strip());
        }
        return new CrossroleConfig(grants, assignments, targets, hub, member, region, Partition.ofRegion(region), endpoint,
                new Limits(trustChars, inlineChars, managed), Duration.ofSeconds(retrySeconds), Duration.ofSeconds(readySeconds),
                mode, optional(env, "DRIFT_QUEUE_URL"), perMessage, concurrency, optional(env, "AWS_LAMBDA_FUNCTION_NAME").isPresent(),
                optional(env, "CROSSROLE_PRIME_AT_INIT").filter("true"::equalsIgnoreCase).isPresent(),
                guardrails, managedRolePath, accountText.map(AccountId::of), managementText.map(AccountId::of), organizationId,
                optional(env, "RECONCILE_QUEUE_URL"), optional(env, "RECONCILE_BULK_QUEUE_URL"), Duration.ofSeconds(reconcileRetry),
                reportBucket, Duration.ofDays(unusedDays));
    }

    private static String required(Map<String, String> env, String name, StringBuilder problems) {
        return optional(env, name).orElseGet(() -> {
            problems.append(name).append(" is not set. ");
            return "";
        });
    }

    private static Optional<String> optional(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::strip).filter(v -> !v.isEmpty());
    }

    private static int number(Map<String, String> env, String name, int fallback, int minimum, StringBuilder problems) {
        Optional<String> value = optional(env, name);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.get());
            if (n >= minimum) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.append(name).append(" must be a whole number of at least ").append(minimum)
                .append(", got '").append(value.get()).append("'. ");
        return fallback;
    }
}
