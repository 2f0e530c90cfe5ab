package io.crossrole.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crossrole.aws.AwsClientFactory;
import io.crossrole.cli.ReportCommand;
import io.crossrole.cli.internal.LocalLambda;
import io.crossrole.cli.local.LocalEnvironment;
import io.crossrole.cli.local.LocalFunctions;
import io.crossrole.cli.local.LocalQueues;
import io.crossrole.cli.local.QueueDelivery;
import io.crossrole.cli.local.StreamEvents;
import io.crossrole.cli.template.SamTemplate;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.drift.DriftRun;
import io.crossrole.grant.GrantImages;
import io.crossrole.grant.GrantParser;
import io.crossrole.grant.GrantValidation;
import io.crossrole.grant.GranteeSide;
import io.crossrole.guardrail.GrantReview;
import io.crossrole.iam.IamRoleReader;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.report.AccessReport;
import io.crossrole.report.ReportFiles;
import io.crossrole.role.ActualRole;
import io.crossrole.role.Ownership;
import io.crossrole.store.Assignment;
import io.crossrole.store.AssignmentKey;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.store.AssignmentStore;
import io.crossrole.sts.AccountAccess;
import io.crossrole.sts.Backoff;
import io.crossrole.testing.SqsEventSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.CreateAccountState;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * {@code crossrole demo}: the main job end to end on an emulator it starts itself. An organization with a
 * dev and a prod account; the seeds' scenario (prod role UpdateApp for the dev account's Developers, MFA
 * required) and a third-party grant with an external ID; a refused record; then a revocation. The grant
 * stream function runs in its own JVM through the Lambda runtime client, fed from the table's stream.
 */
public final class Demo {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String THIRD_PARTY = "444455556666";
    /** Where the demo writes the access report, relative to the working directory. */
    private static final String REPORT_DIR = "crossrole-report";
    /** The emulator's organization's management account (moto's default account). */
    private static final String MANAGEMENT = "123456789012";
    /** Every default guardrail, but the auditing firm outside the organization may be trusted (with an external ID). */
    private static final String GUARDRAILS = "{\"trustedExternalAccounts\": [\"" + THIRD_PARTY + "\"]}";

    private final Path repo;
    private final PrintStream out;
    private final PrintStream err;
    private final List<String> wrong = new ArrayList<>();

    public Demo(Path repo, PrintStream out, PrintStream err) {
        this.repo = repo;
        this.out = out;
        this.err = err;
    }

    public int run(String[] args) throws IOException {
        if (args.length > 0 && args[0].equals("--help")) {
            out.println("""
                    Usage: crossrole demo [--verbose]

                    Starts a moto server on a free loopback port (stopped at the end), creates an organization with a
                    dev and a prod account and the tables template.yaml declares, writes example grants, delivers the
                    Grants table's stream to GrantStreamFunction (run through the Lambda runtime client in its own JVM),
                    and prints what exists in each account and every assignment's status. Then deletes a grant and
                    shows the revocation, an account joining, and a drift check that records each role's last use; ends by
                    writing the access report (crossrole-report/access-report.html, .csv, .json) and printing its path.
                    --verbose also prints the function's logs.
                    Exit 0 when every result was as expected, 1 otherwise, 2 when the emulator cannot start.""");
            return 0;
        }
        boolean verbose = List.of(args).contains("--verbose");
        if (!verbose) {
            // the drift check runs in this process: its log lines are the functions' logs, shown with --verbose
            System.setProperty("org.slf4j.simpleLogger.log.io.crossrole", "warn");
        }
        long started = System.nanoTime();
        step("Starting an AWS emulator (moto server) with the tables and queues template.yaml declares");
        try (LocalEnvironment local = LocalEnvironment.start(repo, Map.of("AWS_ACCESS_KEY_ID", "demo", "AWS_SECRET_ACCESS_KEY", "demo",
                "CROSSROLE_GUARDRAILS", GUARDRAILS))) {
            CrossroleConfig config = local.config();
            out.println("  " + local.endpoint() + ": " + config.grantsTable() + ", " + config.assignmentsTable() + ", "
                    + config.grantTargetsTable());
            out.println("  guardrails (CROSSROLE_GUARDRAILS): " + GUARDRAILS + "; everything else at its safe default:");
            out.println("    no account outside the organization but " + THIRD_PARTY + " (and that one only with an external ID);");
            out.println("    none of " + config.guardrails().forbiddenManagedPolicies().size()
                    + " administrator and IAM/Organizations-write managed policies;");
            out.println("    no inline Allow of " + config.guardrails().forbiddenActions().stream().map(Object::toString).toList() + ";");
            out.println("    never the management account or Crossrole's own; roles only under " + config.managedRolePath());
            try (AwsClientFactory clients = AwsClientFactory.create(config, List.of());
                 DynamoDbClient dynamo = clients.dynamoDb();
                 OrganizationsClient org = clients.organizations();
                 AccountAccess access = new AccountAccess(clients, config, Backoff.standard(Duration.ofSeconds(5)), "crossrole-demo")) {
                run(local.env(), local.template(), config, clients, dynamo, org, access, verbose);
            }
        }
        out.printf("%nDone in %.1f s.%n", (System.nanoTime() - started) / 1e9);
        if (!wrong.isEmpty()) {
            err.println("The demo saw results it did not expect:");
            wrong.forEach(w -> err.println("  - " + w));
            return 1;
        }
        return 0;
    }

    private void run(Map<String, String> env, SamTemplate template, CrossroleConfig config, AwsClientFactory clients,
                     DynamoDbClient dynamo, OrganizationsClient org, AccountAccess access, boolean verbose) throws IOException {
        step("Creating an organization: root → OU Workloads (prod), and dev under the root");
        org.createOrganization(r -> r.featureSet("ALL"));
        String root = org.listRoots().roots().get(0).id();
        String workloads = org.createOrganizationalUnit(r -> r.parentId(root).name("Workloads")).organizationalUnit().id();
        String dev = createAccount(org, "dev", root, root);
        String prod = createAccount(org, "prod", root, workloads);
        out.println("  root = " + root + ", Workloads = " + workloads);
        out.println("  dev  = " + dev + "\n  prod = " + prod + " (in Workloads)\n  management account = " + MANAGEMENT
                + "\n  (third party " + THIRD_PARTY + " is outside the organization)");

        String streamArn = dynamo.describeTable(r -> r.tableName(config.grantsTable())).table().latestStreamArn();

        step("In dev: groups Developers (alice) and Testers (bob), and the role intake (an order-intake service)");
        IamClient devIam = access.iam(AccountId.of(dev));
        for (String[] g : new String[][] {{"Developers", "alice"}, {"Testers", "bob"}}) {
            devIam.createGroup(r -> r.groupName(g[0]));
            devIam.createUser(r -> r.userName(g[1]));
            devIam.addUserToGroup(r -> r.groupName(g[0]).userName(g[1]));
        }
        devIam.createRole(r -> r.roleName("intake").assumeRolePolicyDocument("""
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"""));

        step("In prod: queue 'orders', whose policy already lets SNS topic order-events deliver to it");
        SqsClient prodSqs = clients.client(SqsClient.builder(), access.credentials(AccountId.of(prod)));
        String ordersUrl = prodSqs.createQueue(r -> r.queueName("orders")).queueUrl();
        String ordersArn = "arn:aws:sqs:" + config.region() + ":" + prod + ":orders";
        prodSqs.setQueueAttributes(r -> r.queueUrl(ordersUrl).attributes(Map.of(QueueAttributeName.POLICY, """
                {"Version":"2012-10-17","Statement":[{"Sid":"OrderEventsDeliver","Effect":"Allow",\
                "Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"%s",\
                "Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:%s:%s:order-events"}}}]}""".formatted(ordersArn, config.region(), prod))));
        showQueuePolicy(prodSqs, ordersUrl);

        step("Starting GrantStreamFunction and ReconcileWorkerFunction (Lambda runtime interface client, each in its own JVM)");
        ByteArrayOutputStream functionLogs = new ByteArrayOutputStream();
        LocalFunctions functions = new LocalFunctions(repo, template, env, verbose ? err : functionLogs);
        SqsClient sqs = clients.client(SqsClient.builder());
        List<QueueDelivery> queues = new LocalQueues(template).sourcesOf("ReconcileWorkerFunction").stream()
                .map(q -> new QueueDelivery(sqs, sqs.getQueueUrl(r -> r.queueName(q.queueName())).queueUrl(), q.batchSize())).toList();
        try (LocalLambda function = functions.start("GrantStreamFunction"); LocalLambda worker = functions.start("ReconcileWorkerFunction")) {
            StreamEvents stream = new StreamEvents(clients.dynamoDbStreams(), streamArn, config.region());
            Runnable reconcileAll = () -> queues.forEach(q -> reconcile(q, worker));
            GrantReview review = new GrantReview(new GrantParser(config.partition(), config.limits(), config.managedRolePath()),
                    config.guardrails());

            step("Writing six grant records (one a statement in a queue's policy; one breaks IAM's rules, one the guardrails)");
            String updateApp = """
                    {"grantId": "prod-updateapp", "roleName": "UpdateApp", "targets": ["%s"],
                     "trustedPrincipals": ["%s"], "requireMfa": true, "maxSessionDuration": 3600,
                     "description": "Developers in dev update the production app",
                     "inlinePolicy": {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::productionapp"},
                        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                         "Resource": "arn:aws:s3:::productionapp/*"}]},
                     "granteeAttach": ["arn:aws:iam::%s:group/Developers"],
                     "granteeDeny": ["arn:aws:iam::%s:group/Testers"],
                     "tags": {"app": "productionapp"}}""".formatted(prod, dev, dev, dev);
            String vendor = """
                    {"grantId": "vendor-audit", "roleName": "ThirdPartyAudit", "targets": ["%s", "%s"],
                     "trustedPrincipals": ["%s"], "externalId": "Unique-3rd-party-ID-12345",
                     "managedPolicyArns": ["arn:aws:iam::aws:policy/SecurityAudit"], "maxSessionDuration": 7200,
                     "description": "Third-party auditor, confused-deputy protected"}""".formatted(prod, dev, THIRD_PARTY);
            String broken = """
                    {"grantId": "broken", "roleName": "no spaces allowed", "targets": ["%s"],
                     "trustedPrincipals": ["*", "arn:aws:iam::%s:group/Developers"], "maxSessionDuration": 60}"""
                    .formatted(prod, dev);
            String orgReadOnly = """
                    {"grantId": "org-readonly", "roleName": "OrgReadOnly", "targets": ["%s"],
                     "trustedPrincipals": ["arn:aws:iam::%s:role/auditor"],
                     "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                     "description": "Every account of the organization, for the dev auditor role"}""".formatted(root, dev);
            String adminEverywhere = """
                    {"grantId": "admin-everywhere", "roleName": "BreakGlassAdmin", "targets": ["%s", "%s"],
                     "trustedPrincipals": ["%s"], "managedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"],
                     "description": "What a careless or malicious grant writer might ask for"}""".formatted(prod, MANAGEMENT, dev);
            String ordersIntake = """
                    {"grantId": "orders-intake", "targets": ["%s"], "trustedPrincipals": ["arn:aws:iam::%s:role/intake"],
                     "resourceArns": ["%s"], "resourceActions": ["sqs:SendMessage", "sqs:GetQueueAttributes"],
                     "description": "A resource-policy grant: dev's intake role sends to prod's orders queue, no role needed"}"""
                    .formatted(prod, dev, ordersArn);
            for (String grant : List.of(updateApp, vendor, orgReadOnly, ordersIntake, broken, adminEverywhere)) {
                Map<String, Object> raw = GrantImages.fromJson(grant);
                GrantValidation v = review.document(raw);
                out.printf("  put %-16s %s%n", raw.get("grantId"), v.isValid() ? "" : "(refused before any write: " + v.summary() + ")");
                dynamo.putItem(r -> r.tableName(config.grantsTable()).item(GrantImages.toItem(raw)));
            }
            deliver(stream, function);
            reconcileAll.run();

            step("What exists now");
            showAccount("prod", prod, access);
            showAccount("dev", dev, access);
            showGrantees(devIam);
            out.println("\n  Queue orders (prod): its policy, the grant's statement beside the one that was there");
            showQueuePolicy(prodSqs, ordersUrl);
            AssignmentStore store = new AssignmentStore(dynamo, config.assignmentsTable());
            showStatuses(store);
            expect(store, "orders-intake", prod, AssignmentStatus.PROVISIONED);
            expect(store, "prod-updateapp", prod, AssignmentStatus.PROVISIONED);
            if (!devIam.listGroupPolicies(r -> r.groupName("Testers")).policyNames().contains("crossrole-deny-prod-updateapp")) {
                wrong.add("Testers should carry the explicit deny crossrole-deny-prod-updateapp");
            }
            expect(store, "vendor-audit", prod, AssignmentStatus.PROVISIONED);
            expect(store, "vendor-audit", dev, AssignmentStatus.PROVISIONED);
            expect(store, "broken", prod, AssignmentStatus.FAILED);
            expect(store, "org-readonly", dev, AssignmentStatus.PROVISIONED);
            expect(store, "org-readonly", prod, AssignmentStatus.PROVISIONED);
            expect(store, "admin-everywhere", prod, AssignmentStatus.FAILED);
            expectMessage(store, "admin-everywhere", prod, "guardrail forbiddenManagedPolicies", "guardrail protectedTargets");
            if (roleNames(access, prod).contains("BreakGlassAdmin")) {
                wrong.add("the refused grant admin-everywhere reached IAM in prod");
            }

            step("Delivering the same records again (a replay): nothing is queued, nothing is written");
            String before = roleState(access, prod);
            deliver(new StreamEvents(clients.dynamoDbStreams(), streamArn, config.region()), function);
            if (!queues.stream().allMatch(QueueDelivery::isEmpty)) {
                wrong.add("a replay queued reconcile requests");
            }
            reconcileAll.run();
            if (!before.equals(roleState(access, prod))) {
                wrong.add("a replay changed the roles in prod");
            }

            step("Deleting grant prod-updateapp");
            dynamo.deleteItem(r -> r.tableName(config.grantsTable()).key(Map.of("grantId",
                    AttributeValue.fromS("prod-updateapp"))));
            deliver(stream, function);
            reconcileAll.run();
            showAccount("prod", prod, access);
            showGrantees(devIam);
            showStatuses(store);
            expect(store, "prod-updateapp", prod, AssignmentStatus.REVOKED);

            step("An account joins: 'analytics' is created in Workloads; CreateAccountResult goes to AccountEventsFunction");
            String analytics = createAccount(org, "analytics", root, workloads);
            out.println("  analytics = " + analytics);
            try (LocalLambda events = functions.start("AccountEventsFunction")) {
                String event = Files.readString(repo.resolve("events/account-events/create-account-result.json"))
                        .replace("333333333333", analytics);
                LocalLambda.Invocation result = events.invoke(event);
                out.printf("  AccountEventsFunction → %s in %d ms: %s%n", result.failed() ? "FAILED" : "returned",
                        result.duration().toMillis(), result.payload());
                if (result.failed()) {
                    wrong.add("AccountEventsFunction failed: " + result.payload());
                }
            }
            reconcileAll.run();
            showAccount("analytics", analytics, access);
            expect(store, "org-readonly", analytics, AssignmentStatus.PROVISIONED);
        }

        step("The third party uses ThirdPartyAudit in prod; the drift check reads every role (one bulk read per account)"
                + " and records each one's last use");
        useRole(clients, Arn.role(config.partition(), AccountId.of(prod), config.managedRolePath(), "ThirdPartyAudit"),
                "Unique-3rd-party-ID-12345");
        Map<String, String> here = new HashMap<>(env);
        here.remove("DRIFT_QUEUE_URL"); // checked in this process, as `crossrole drift` does
        Map<String, Object> summary = DriftRun.create(CrossroleConfig.from(here), clients, "crossrole-demo-drift",
                Backoff.standard(Duration.ofSeconds(5)), Clock.systemUTC()).scheduled();
        out.printf("  drift check: %s accounts checked, %s roles in sync, %s drifted%n", summary.get("accountsChecked"),
                summary.get("inSync"), summary.get("drifted"));

        step("The access report: who may assume what, where, until when, and whether anyone does");
        AccessReport report = ReportCommand.write(config, Path.of(REPORT_DIR), Duration.ofDays(90), out);
        boolean used = report.rows().stream().anyMatch(r -> r.grantId().equals("vendor-audit") && r.owner().equals(prod)
                && r.lastUsed().isPresent());
        if (!used) {
            wrong.add("the report should show ThirdPartyAudit in prod as used");
        }
        out.printf("  %d grants, %d owner accounts, %d grantee accounts; %d roles unused for 90 days. Open it in a browser:%n"
                        + "  file://%s%n", report.summary().grants(), report.summary().ownerAccounts(), report.summary().granteeAccounts(),
                report.summary().unused(), Path.of(REPORT_DIR, ReportFiles.HTML).toAbsolutePath().normalize());
    }

    /** Someone assumes the role and makes one call with its session, as a grantee would: IAM records the use. */
    private static void useRole(AwsClientFactory clients, String roleArn, String externalId) {
        try (StsClient sts = clients.sts(clients.baseCredentials())) {
            Credentials c = sts.assumeRole(r -> r.roleArn(roleArn).roleSessionName("third-party-audit").externalId(externalId))
                    .credentials();
            try (StsClient session = clients.sts(StaticCredentialsProvider.create(AwsSessionCredentials.create(c.accessKeyId(),
                    c.secretAccessKey(), c.sessionToken())))) {
                session.getCallerIdentity();
            }
        }
    }

    private void deliver(StreamEvents stream, LocalLambda function) {
        for (String event : stream.poll(25)) {
            LocalLambda.Invocation result = function.invoke(event);
            int count = countRecords(event);
            out.printf("  delivered %d stream record%s → %s in %d ms: %s%n", count, count == 1 ? "" : "s",
                    result.failed() ? "FAILED" : "returned", result.duration().toMillis(), result.payload());
            if (result.failed()) {
                wrong.add("the function failed: " + result.payload());
            }
        }
    }

    /** A reconcile queue → ReconcileWorkerFunction, as Lambda's SQS event source delivers it. */
    private void reconcile(QueueDelivery queue, LocalLambda worker) {
        if (queue.isEmpty()) {
            return;
        }
        out.println("  reconcile queue → ReconcileWorkerFunction (FIFO, one message group per account):");
        SqsEventSource.Drained drained = queue.drain(worker, out);
        if (drained.returned() > 0) {
            wrong.add(drained.returned() + " reconcile message(s) were returned for a retry");
        }
    }

    private static int countRecords(String event) {
        try {
            return JSON.readTree(event).path("Records").size();
        } catch (IOException e) {
            return 0;
        }
    }

    private String createAccount(OrganizationsClient org, String name, String root, String parent) {
        String requestId = org.createAccount(r -> r.accountName(name).email(name + "@example.com")).createAccountStatus().id();
        var status = org.describeCreateAccountStatus(r -> r.createAccountRequestId(requestId)).createAccountStatus();
        if (status.state() != CreateAccountState.SUCCEEDED) {
            throw new IllegalStateException("creating account " + name + ": " + status.stateAsString());
        }
        if (!parent.equals(root)) {
            org.moveAccount(r -> r.accountId(status.accountId()).sourceParentId(root).destinationParentId(parent));
        }
        return status.accountId();
    }

    private void showAccount(String label, String account, AccountAccess access) {
        out.printf("%n  Account %s (%s): roles managed by Crossrole%n", label, account);
        IamClient iam = access.iam(AccountId.of(account));
        IamRoleReader reader = new IamRoleReader();
        List<String> names = iam.listRolesPaginator(r -> r.pathPrefix("/")).roles().stream()
                .map(r -> r.roleName()).sorted().toList();
        int shown = 0;
        for (String name : names) {
            Optional<ActualRole> role = reader.read(iam, name, false);
            if (role.isEmpty() || !Ownership.isManaged(role.get().tags())) {
                continue;
            }
            shown++;
            ActualRole r = role.get();
            out.println("    " + r.arn() + "   (grant " + Ownership.owner(r.tags()).orElse("?") + ", max session " + r.maxSessionDuration() + " s)");
            describeTrust(r.trustPolicy());
            r.inlinePolicies().forEach((n, doc) -> out.println("      inline " + n + ": " + summarize(doc)));
            r.managedPolicyArns().stream().sorted().forEach(p -> out.println("      managed " + p));
        }
        if (shown == 0) {
            out.println("    (none)");
        }
    }

    private void describeTrust(String trust) {
        try {
            JsonNode statements = JSON.readTree(trust).path("Statement");
            Iterator<JsonNode> it = statements.isArray() ? statements.elements() : List.of(statements).iterator();
            while (it.hasNext()) {
                JsonNode s = it.next();
                JsonNode aws = s.path("Principal").path("AWS");
                List<String> principals = new ArrayList<>();
                if (aws.isArray()) {
                    aws.forEach(p -> principals.add(p.asText()));
                } else {
                    principals.add(aws.asText());
                }
                out.println("      trusted: " + String.join(", ", principals));
                JsonNode condition = s.path("Condition");
                if (!condition.isMissingNode() && condition.size() > 0) {
                    out.println("      condition: " + condition);
                }
            }
        } catch (IOException e) {
            out.println("      trust: " + trust);
        }
    }

    private static String summarize(String doc) {
        try {
            List<String> parts = new ArrayList<>();
            JsonNode statements = JSON.readTree(doc).path("Statement");
            Iterator<JsonNode> it = statements.isArray() ? statements.elements() : List.of(statements).iterator();
            it.forEachRemaining(s -> parts.add(s.path("Effect").asText() + " " + s.path("Action") + " on " + s.path("Resource")));
            return String.join("; ", parts).replace("\"", "");
        } catch (IOException e) {
            return doc;
        }
    }

    private void showQueuePolicy(SqsClient sqs, String url) {
        String policy = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.POLICY)).attributes()
                .getOrDefault(QueueAttributeName.POLICY, "");
        try {
            JsonNode statements = JSON.readTree(policy).path("Statement");
            Iterator<JsonNode> it = statements.isArray() ? statements.elements() : List.of(statements).iterator();
            it.forEachRemaining(st -> out.printf("    %-24s %s %s to %s%n", st.path("Sid").asText(), st.path("Effect").asText(),
                    st.path("Action").toString().replace("\"", ""), st.path("Principal").toString().replace("\"", "")));
        } catch (IOException e) {
            out.println("    " + policy);
        }
    }

    private void showGrantees(IamClient devIam) {
        out.println("\n  Grantee side (dev): who may call sts:AssumeRole on the grant's role (the trust policy trusts all of dev)");
        for (String group : List.of("Developers", "Testers")) {
            List<String> policies = devIam.listGroupPolicies(r -> r.groupName(group)).policyNames();
            if (policies.isEmpty()) {
                out.printf("    %-10s no Crossrole policy%n", group);
            }
            for (String p : policies) {
                String doc = IamRoleReader.decode(devIam.getGroupPolicy(r -> r.groupName(group).policyName(p)).policyDocument());
                out.printf("    %-10s %s: %s%n", group, p, summarize(doc));
            }
        }
    }

    private void showStatuses(AssignmentStore store) {
        out.println("\n  Assignments");
        out.printf("    %-16s %-20s %-12s %s%n", "GRANT", "ACCOUNT", "STATUS", "MESSAGE");
        store.all().stream()
                .sorted(Comparator.comparing(Assignment::grantId).thenComparing(a -> a.key().stored()))
                .forEach(a -> out.printf("    %-16s %-20s %-12s %s%n", a.grantId(), shortKey(a.key()), a.status(),
                        a.status() == AssignmentStatus.FAILED || a.message().length() <= 150 ? a.message()
                                : a.message().substring(0, 150) + "…"));
    }

    private static String shortKey(AssignmentKey key) {
        return switch (key) {
            case AssignmentKey.Grantee g -> (g.side() == GranteeSide.ALLOW ? "grantee:" : "denied:") + g.principal().resourceName();
            case AssignmentKey.Owner o -> o.account().value();
            case AssignmentKey.Target t -> t.targetId();
            case AssignmentKey.GrantLevel l -> "(the grant)";
        };
    }

    private void expect(AssignmentStore store, String grantId, String account, AssignmentStatus status) {
        Optional<Assignment> a = store.forGrant(grantId).get(new AssignmentKey.Owner(AccountId.of(account)));
        if (a.isEmpty() || a.get().status() != status) {
            wrong.add(grantId + " in " + account + " should be " + status + " but is " + a.map(x -> x.status() + ": " + x.message()).orElse("missing"));
        }
    }

    private void expectMessage(AssignmentStore store, String grantId, String account, String... parts) {
        String message = store.forGrant(grantId).get(new AssignmentKey.Owner(AccountId.of(account))).map(Assignment::message).orElse("");
        for (String part : parts) {
            if (!message.contains(part)) {
                wrong.add(grantId + " in " + account + ": the status should name '" + part + "' but says: " + message);
            }
        }
    }

    private static List<String> roleNames(AccountAccess access, String account) {
        return access.iam(AccountId.of(account)).listRoles().roles().stream().map(r -> r.roleName()).toList();
    }

    private String roleState(AccountAccess access, String account) {
        IamClient iam = access.iam(AccountId.of(account));
        StringBuilder state = new StringBuilder();
        iam.listRolesPaginator(r -> r.pathPrefix("/")).roles().forEach(r -> state.append(r.roleId()).append(r.roleName()));
        return state.toString();
    }

    private void step(String text) {
        out.println("\n▶ " + text);
    }
}
