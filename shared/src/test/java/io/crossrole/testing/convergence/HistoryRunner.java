package io.crossrole.testing.convergence;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crossrole.events.AccountEvent;
import io.crossrole.model.AccountId;
import io.crossrole.producer.AccountEventsProducer;
import io.crossrole.producer.GrantStreamProducer;
import io.crossrole.reconcile.ReconcileWorker;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.FaultyEndpoint;
import io.crossrole.testing.SqsEventSource;
import io.crossrole.testing.StreamRecords;
import io.crossrole.testing.TestCrossrole;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.Tag;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.OrganizationalUnit;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Runs a {@link History} against the emulator through the code the functions run: the grant stream's and the account
 * events' producers, the reconcile worker (several at once), the drift run, all behind a {@link FaultyEndpoint} that
 * fails the given fraction of their AWS calls; deliveries made as Lambda and EventBridge make them. Then quiescence
 * (faults off, everything pending delivered, the queues drained, a drift run in remediate mode when people changed
 * what Crossrole manages), then {@link ConvergenceChecker}. People (the history's writes and hand edits) and the
 * checker use clients of their own, straight to the emulator.
 */
public final class HistoryRunner {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] FAULTY = {"iam", "sts", "dynamodb", "sqs", "organizations", "s3", "sns"};
    /**
     * The reconcile queues' visibility timeout: a message returned without a new visibility (its worker failed, or the
     * ChangeMessageVisibility call did) or received with its response lost comes back after it; in AWS 720 s.
     */
    private static final Duration VISIBILITY = Duration.ofSeconds(4);
    private static final String HAND_POLICY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

    private final Emulator emulator;

    public HistoryRunner(Emulator emulator) {
        this.emulator = emulator;
    }

    /**
     * What one run saw.
     *
     * @param divergences what the checker found (empty: converged)
     */
    public record Outcome(History history, List<String> divergences, int faultsInjected, int awsCalls, int streamRecords,
                          int accountEvents, int messages, Duration took) {
        public boolean converged() {
            return divergences.isEmpty();
        }
    }

    /** Runs the history; quiescence ends with a remediate drift run when {@link History#repairAtEnd()} says so. */
    public Outcome run(History history) {
        return run(history, history.repairAtEnd());
    }

    /**
     * Runs the history, with or without the final remediate drift run: without it, hand edits of Crossrole's roles and
     * statement stay, and the checker must report each of them (how the checker itself is tested).
     */
    public Outcome run(History history, boolean repairAtEnd) {
        Instant started = Instant.now();
        emulator.reset();
        try (FaultyEndpoint proxy = FaultyEndpoint.start(emulator.endpoint(), history.seed());
             TestCrossrole crossrole = new TestCrossrole(emulator, Map.of(
                     "AWS_ENDPOINT_URL", proxy.url().toString(),
                     "CROSSROLE_GUARDRAILS", World.GUARDRAILS,
                     // a new account's member role may be refused for a while: retried by the queue, never FAILED here
                     "NEW_ACCOUNT_READY_SECONDS", "3600"), true, VISIBILITY)) {
            Execution run = new Execution(history, crossrole, proxy, repairAtEnd);
            run.setUp();
            double each = history.faultRate() / 3;
            if (each > 0) {
                proxy.throttle(each, FAULTY).serviceUnavailable(each, FAULTY).loseResponses(each, FAULTY);
            }
            for (Op op : history.ops()) {
                run.apply(op);
            }
            int faults = proxy.injectedCounts().values().stream().mapToInt(Integer::intValue).sum();
            proxy.clearFaults();
            run.quiesce();
            List<String> divergences = new ConvergenceChecker(crossrole, run.hand).check();
            int calls = proxy.forwardedCounts().values().stream().mapToInt(Integer::intValue).sum() + faults;
            return new Outcome(history, divergences, faults, calls, run.streamRecords, run.accountEvents.get(), run.messages.get(),
                    Duration.between(started, Instant.now()));
        }
    }

    /** One history's moving parts. */
    private static final class Execution {
        private final History history;
        private final TestCrossrole crossrole;
        private final FaultyEndpoint proxy;
        private final GrantStreamProducer stream;
        private final AccountEventsProducer accountEventsProducer;
        private final Map<String, String> names = new LinkedHashMap<>();
        private final Map<String, String> grants = new LinkedHashMap<>();
        private final Map<String, Deque<DynamodbEvent.DynamodbStreamRecord>> pendingRecords = new LinkedHashMap<>();
        private final List<PendingEvent> pendingEvents = new ArrayList<>();
        private final Set<String> denied = new HashSet<>();
        private final HandMade hand = new HandMade();
        private final AtomicInteger accountEvents = new AtomicInteger();
        private final AtomicInteger messages = new AtomicInteger();
        private final String now;
        private final boolean repairAtEnd;
        private int streamRecords;
        private int events;

        private record PendingEvent(AccountEvent event, String eventId) {
        }

        Execution(History history, TestCrossrole crossrole, FaultyEndpoint proxy, boolean repairAtEnd) {
            this.history = history;
            this.repairAtEnd = repairAtEnd;
            this.crossrole = crossrole;
            this.proxy = proxy;
            this.stream = crossrole.producer("crossrole-grant-stream");
            this.accountEventsProducer = crossrole.accountEventsProducer("crossrole-account-events");
            this.now = String.valueOf(Instant.now().getEpochSecond());
        }

        /** The organization, groups, Auditor role and queue every history starts from, made by a person. */
        void setUp() {
            String root = crossrole.root();
            names.put("root", root);
            try (OrganizationsClient org = crossrole.observerOrganizations()) {
                for (String ou : World.OUS) {
                    String parent = names.get(World.ouParent(ou));
                    OrganizationalUnit unit = org.createOrganizationalUnit(r -> r.parentId(parent).name(ou)).organizationalUnit();
                    names.put(ou, unit.id());
                }
                for (String account : World.START_ACCOUNTS) {
                    String parent = World.startParent(account);
                    if (!parent.equals("root")) {
                        org.moveAccount(r -> r.accountId(account).sourceParentId(root).destinationParentId(names.get(parent)));
                    }
                }
            }
            try (IamClient iam = crossrole.observerIam(World.GRANTEE)) {
                for (String group : World.GROUPS) {
                    iam.createGroup(r -> r.groupName(group));
                    String doc = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:ListAllMyBuckets\","
                            + "\"Resource\":\"*\"}]}";
                    iam.putGroupPolicy(r -> r.groupName(group).policyName(World.GROUP_POLICY).policyDocument(doc));
                }
                iam.createRole(r -> r.roleName("Auditor").assumeRolePolicyDocument(trustOf("arn:aws:iam::" + World.GRANTEE + ":root")));
                hand.unmanaged(World.GRANTEE, "Auditor", RoleSnapshot.read(iam, "Auditor"));
            }
            try (SqsClient sqs = crossrole.observerClient(World.PROD, SqsClient.builder())) {
                String url = sqs.createQueue(r -> r.queueName(World.QUEUE)).queueUrl();
                ObjectNode foreign = foreignStatement(World.FOREIGN_SID);
                ObjectNode policy = JSON.createObjectNode().put("Version", "2012-10-17");
                policy.putArray("Statement").add(foreign);
                sqs.setQueueAttributes(r -> r.queueUrl(url).attributes(Map.of(QueueAttributeName.POLICY, policy.toString())));
                hand.foreign(foreign);
            }
        }

        void apply(Op op) {
            switch (op) {
                case Op.PutGrant p -> put(p.grantId(), resolve(p.json()));
                case Op.DeleteGrant d -> delete(d.grantId());
                case Op.DeliverStream d -> deliverStream(d.perGrant(), d.order(), d.redeliver());
                case Op.CreateAccount c -> createAccount(c);
                case Op.MoveAccount m -> moveAccount(m);
                case Op.CloseAccount c -> closeAccount(c);
                case Op.DeliverAccountEvents d -> deliverAccountEvents(d.count(), d.order(), d.duplicate());
                case Op.Consume c -> consume(c.pollers(), c.batches());
                case Op.Drift d -> drift(d.remediate());
                case Op.Hand h -> handChange(h);
            }
        }

        /** Faults are off: everything pending is delivered, the queues drained, and the drift run repairs if needed. */
        void quiesce() {
            denied.forEach(proxy::allowAssumeRole);
            for (int i = 0; i < 50 && pendingRecords.values().stream().anyMatch(q -> !q.isEmpty()); i++) {
                deliverStream(Integer.MAX_VALUE, i, false);
            }
            for (int i = 0; i < 50 && !pendingEvents.isEmpty(); i++) {
                deliverAccountEvents(pendingEvents.size(), i, false);
            }
            messages.addAndGet(crossrole.drain(2).delivered());
            if (repairAtEnd) {
                drift(true);
                messages.addAndGet(crossrole.drain(2).delivered());
            }
        }

        // ------------------------------------------------------------------ grants and the stream

        private String resolve(String json) {
            String out = json.replace("\"" + HistoryGenerator.FUTURE + "\"", String.valueOf(Long.parseLong(now) + 2 * 86_400))
                    .replace("\"" + HistoryGenerator.PAST + "\"", String.valueOf(Long.parseLong(now) - 3_600))
                    .replace(HistoryGenerator.ROOT, names.get("root"));
            for (String ou : World.OUS) {
                out = out.replace("${ou:" + ou + "}", names.get(ou));
            }
            return out;
        }

        private void put(String grantId, String json) {
            String old = grants.put(grantId, json);
            crossrole.putGrant(json);
            DynamodbEvent record = old == null ? StreamRecords.insert(json) : StreamRecords.modify(old, json);
            pendingRecords.computeIfAbsent(grantId, k -> new ArrayDeque<>()).addAll(record.getRecords());
        }

        private void delete(String grantId) {
            String old = grants.remove(grantId);
            if (old == null) {
                return;
            }
            crossrole.deleteGrant(grantId);
            pendingRecords.computeIfAbsent(grantId, k -> new ArrayDeque<>()).addAll(StreamRecords.remove(old).getRecords());
        }

        private void deliverStream(int perGrant, long order, boolean redeliver) {
            Random shuffle = new Random(order);
            Map<String, List<DynamodbEvent.DynamodbStreamRecord>> taken = new LinkedHashMap<>();
            pendingRecords.forEach((grant, queue) -> {
                if (!queue.isEmpty()) {
                    taken.put(grant, new ArrayList<>(queue).subList(0, Math.min(perGrant, queue.size())));
                }
            });
            if (taken.isEmpty()) {
                return;
            }
            List<DynamodbEvent.DynamodbStreamRecord> batch = new ArrayList<>();
            Map<String, Integer> next = new LinkedHashMap<>();
            taken.keySet().forEach(g -> next.put(g, 0));
            while (!next.isEmpty()) {
                List<String> open = List.copyOf(next.keySet());
                String grant = open.get(shuffle.nextInt(open.size()));
                int i = next.get(grant);
                batch.add(taken.get(grant).get(i));
                if (i + 1 == taken.get(grant).size()) {
                    next.remove(grant);
                } else {
                    next.put(grant, i + 1);
                }
            }
            DynamodbEvent event = new DynamodbEvent();
            event.setRecords(batch);
            int done;
            try {
                StreamsEventResponse response = stream.process(event);
                List<StreamsEventResponse.BatchItemFailure> failures = response == null || response.getBatchItemFailures() == null
                        ? List.of() : response.getBatchItemFailures();
                done = batch.size();
                for (StreamsEventResponse.BatchItemFailure f : failures) {
                    for (int i = 0; i < batch.size(); i++) {
                        if (batch.get(i).getDynamodb().getSequenceNumber().equals(f.getItemIdentifier())) {
                            done = Math.min(done, i);
                        }
                    }
                }
            } catch (RuntimeException e) {
                done = 0; // the whole batch comes again
            }
            streamRecords += batch.size();
            if (redeliver) {
                return;
            }
            for (int i = 0; i < done; i++) {
                DynamodbEvent.DynamodbStreamRecord r = batch.get(i);
                pendingRecords.get(r.getDynamodb().getKeys().get("grantId").getS()).remove(r);
            }
        }

        // ------------------------------------------------------------------ the organization and its events

        private void createAccount(Op.CreateAccount c) {
            String parent = names.get(c.parent());
            crossrole.createAccount("acct-" + c.accountId(), names.get("root"), parent, c.accountId());
            if (c.deniedAssumes() > 0) {
                proxy.denyAssumeRole(c.accountId(), c.deniedAssumes());
                denied.add(c.accountId());
            }
            pendingEvents.add(new PendingEvent(new AccountEvent.Joined("CreateAccountResult", AccountId.of(c.accountId()),
                    AccountEvent.JoinKind.CREATED), eventId()));
        }

        private void moveAccount(Op.MoveAccount m) {
            try (OrganizationsClient org = crossrole.observerOrganizations()) {
                String source = org.listParents(r -> r.childId(m.accountId())).parents().get(0).id();
                String destination = names.get(m.destination());
                if (source.equals(destination)) {
                    return;
                }
                org.moveAccount(r -> r.accountId(m.accountId()).sourceParentId(source).destinationParentId(destination));
                pendingEvents.add(new PendingEvent(new AccountEvent.Moved("MoveAccount", AccountId.of(m.accountId()), source, destination),
                        eventId()));
            }
        }

        private void closeAccount(Op.CloseAccount c) {
            try (OrganizationsClient org = crossrole.observerOrganizations()) {
                org.closeAccount(r -> r.accountId(c.accountId()));
            }
            pendingEvents.add(new PendingEvent(new AccountEvent.Departed("CloseAccountResult", AccountId.of(c.accountId()),
                    "the account was closed"), eventId()));
        }

        private String eventId() {
            return "event-" + history.seed() + "-" + (++events);
        }

        private void deliverAccountEvents(int count, long order, boolean duplicate) {
            List<PendingEvent> shuffled = new ArrayList<>(pendingEvents);
            Collections.shuffle(shuffled, new Random(order));
            List<PendingEvent> delivered = new ArrayList<>();
            for (PendingEvent e : shuffled.subList(0, Math.min(count, shuffled.size()))) {
                if (deliver(e)) {
                    delivered.add(e);
                }
            }
            pendingEvents.removeAll(delivered);
            if (duplicate && !delivered.isEmpty()) {
                deliver(delivered.get(0));
            }
        }

        /** @return false when the function failed (EventBridge retries: the event stays pending) */
        private boolean deliver(PendingEvent e) {
            accountEvents.incrementAndGet();
            try {
                accountEventsProducer.handle(e.event(), e.eventId());
                return true;
            } catch (RuntimeException failed) {
                return false;
            }
        }

        // ------------------------------------------------------------------ workers and the drift run

        private void consume(int pollers, int batches) {
            ThreadLocal<ReconcileWorker> workers = ThreadLocal.withInitial(() -> crossrole.worker(Clock.systemUTC()));
            List<CompletableFuture<SqsEventSource.Drained>> lanes = new ArrayList<>();
            for (SqsEventSource lane : List.of(crossrole.expressSource(), crossrole.bulkSource())) {
                lanes.add(CompletableFuture.supplyAsync(() -> lane.drainBatches(batch -> {
                    SQSBatchResponse response = workers.get().consume(lane.event(batch));
                    Set<String> failed = new HashSet<>();
                    if (response != null && response.getBatchItemFailures() != null) {
                        response.getBatchItemFailures().forEach(f -> failed.add(f.getItemIdentifier()));
                    }
                    return failed;
                }, pollers, batches, SqsEventSource.Until.NONE_VISIBLE)));
            }
            lanes.forEach(l -> messages.addAndGet(l.join().delivered()));
        }

        private void drift(boolean remediate) {
            try {
                crossrole.driftRun(Map.of("DRIFT_MODE", remediate ? "remediate" : "report"), Clock.systemUTC()).scheduled();
            } catch (RuntimeException e) {
                // the scheduled invocation failed; EventBridge Scheduler tries the next one
            }
        }

        // ------------------------------------------------------------------ people

        private void handChange(Op.Hand h) {
            switch (h.change()) {
                case ATTACH_POLICY -> withManagedRole(h, (iam, role) -> iam.attachRolePolicy(r -> r.roleName(role.roleName())
                        .policyArn(HAND_POLICY)));
                case EDIT_TRUST -> withManagedRole(h, (iam, role) -> {
                    ObjectNode trust = (ObjectNode) read(decode(role.assumeRolePolicyDocument()));
                    ObjectNode statement = (ObjectNode) ConvergenceChecker.statements(trust).get(0);
                    ArrayNode aws = JSON.createArrayNode();
                    JsonNode principals = statement.path("Principal").path("AWS");
                    if (principals.isArray()) {
                        principals.forEach(aws::add);
                    } else {
                        aws.add(principals.asText());
                    }
                    aws.add("arn:aws:iam::" + World.SHARED + ":root");
                    ((ObjectNode) statement.path("Principal")).set("AWS", aws);
                    iam.updateAssumeRolePolicy(r -> r.roleName(role.roleName()).policyDocument(trust.toString()));
                });
                case DELETE_ROLE -> withManagedRole(h, (iam, role) -> {
                    for (AttachedPolicy p : iam.listAttachedRolePolicies(r -> r.roleName(role.roleName())).attachedPolicies()) {
                        iam.detachRolePolicy(r -> r.roleName(role.roleName()).policyArn(p.policyArn()));
                    }
                    for (String p : iam.listRolePolicies(r -> r.roleName(role.roleName())).policyNames()) {
                        iam.deleteRolePolicy(r -> r.roleName(role.roleName()).policyName(p));
                    }
                    iam.deleteRole(r -> r.roleName(role.roleName()));
                });
                case UNMANAGED_ROLE -> {
                    if (!active(h.accountId())) {
                        return;
                    }
                    try (IamClient iam = crossrole.observerIam(h.accountId())) {
                        if (role(iam, h.name()) != null) {
                            return;
                        }
                        iam.createRole(r -> r.roleName(h.name()).assumeRolePolicyDocument(trustOf("arn:aws:iam::" + World.GRANTEE + ":root"))
                                .tags(Tag.builder().key("owner").value("someone-else").build()));
                        iam.attachRolePolicy(r -> r.roleName(h.name()).policyArn(HAND_POLICY));
                        hand.unmanaged(h.accountId(), h.name(), RoleSnapshot.read(iam, h.name()));
                    }
                }
                case FOREIGN_STATEMENT -> editQueuePolicy(statements -> {
                    ObjectNode foreign = foreignStatement(h.name());
                    statements.add(foreign);
                    hand.foreign(foreign);
                    return true;
                });
                case EDIT_STATEMENT -> editQueuePolicy(statements -> {
                    for (JsonNode s : statements) {
                        if (s.path("Sid").asText().equals(h.name())) {
                            ((ObjectNode) s).putArray("Action").add("sqs:DeleteMessage");
                            return true;
                        }
                    }
                    return false;
                });
            }
        }

        private interface RoleEdit {
            void edit(IamClient iam, Role role);
        }

        /** Acts on the named role only when it exists and is Crossrole's (the history names roles before they exist). */
        private void withManagedRole(Op.Hand h, RoleEdit edit) {
            if (!active(h.accountId())) {
                return;
            }
            try (IamClient iam = crossrole.observerIam(h.accountId())) {
                Role role = role(iam, h.name());
                if (role == null || iam.listRoleTags(r -> r.roleName(h.name())).tags().stream()
                        .noneMatch(t -> t.key().equals("crossrole:managed-by"))) {
                    return;
                }
                edit.edit(iam, role);
            }
        }

        private boolean active(String account) {
            try (OrganizationsClient org = crossrole.observerOrganizations()) {
                return org.describeAccount(r -> r.accountId(account)).account().statusAsString().equals("ACTIVE");
            }
        }

        private interface StatementsEdit {
            /** @return whether anything changed */
            boolean edit(ArrayNode statements);
        }

        private void editQueuePolicy(StatementsEdit edit) {
            try (SqsClient sqs = crossrole.observerClient(World.PROD, SqsClient.builder())) {
                String url = sqs.getQueueUrl(r -> r.queueName(World.QUEUE)).queueUrl();
                String policy = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.POLICY)).attributes()
                        .get(QueueAttributeName.POLICY);
                ObjectNode doc = policy == null || policy.isBlank() ? JSON.createObjectNode().put("Version", "2012-10-17")
                        : (ObjectNode) read(policy);
                List<JsonNode> before = ConvergenceChecker.statements(doc);
                ArrayNode statements = doc.putArray("Statement");
                before.forEach(statements::add);
                if (edit.edit(statements)) {
                    sqs.setQueueAttributes(r -> r.queueUrl(url).attributes(Map.of(QueueAttributeName.POLICY, doc.toString())));
                }
            }
        }
    }

    static Role role(IamClient iam, String name) {
        try {
            return iam.getRole(r -> r.roleName(name)).role();
        } catch (NoSuchEntityException e) {
            return null;
        }
    }

    static ObjectNode foreignStatement(String sid) {
        ObjectNode s = JSON.createObjectNode();
        s.put("Sid", sid);
        s.put("Effect", "Allow");
        s.putObject("Principal").put("AWS", "arn:aws:iam::" + World.SHARED + ":root");
        s.put("Action", "sqs:SendMessage");
        s.put("Resource", World.QUEUE_ARN);
        return s;
    }

    private static String trustOf(String principal) {
        return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + principal
                + "\"},\"Action\":\"sts:AssumeRole\"}]}";
    }

    static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** IAM returns policy documents URL-encoded. */
    static String decode(String document) {
        return URLDecoder.decode(document, StandardCharsets.UTF_8);
    }
}
