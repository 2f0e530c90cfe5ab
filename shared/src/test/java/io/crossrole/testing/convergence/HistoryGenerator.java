package io.crossrole.testing.convergence;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Makes random histories from a seed: the same seed, the same steps. Grants of both kinds are created, changed in any
 * field (targets across accounts, OUs and the root; role renames and moves; grantees allowed and denied; expiry in the
 * future or the past; now and then an invalid value), and deleted; accounts are created, moved between OUs and closed;
 * deliveries come in any order across grants and accounts, some twice; workers consume concurrently; drift runs;
 * people change roles and policies by hand.
 *
 * <pre>{@code
 * History h = new HistoryGenerator(42L).generate(30, 0.3);
 * }</pre>
 */
public final class HistoryGenerator {
    static final String FUTURE = "${future}";
    static final String PAST = "${past}";
    static final String ROOT = "${root}";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AWS_POLICY = "arn:aws:iam::aws:policy/";
    private static final List<String> MANAGED = List.of(AWS_POLICY + "ReadOnlyAccess", AWS_POLICY + "SecurityAudit",
            AWS_POLICY + "job-function/ViewOnlyAccess");
    /** Each role grant's names: the second is a rename. */
    static final Map<String, List<String>> ROLE_NAMES = Map.of(
            "app", List.of("App", "AppNext"),
            "audit", List.of("Audit"),
            "ops", List.of("Ops", "OpsNext"),
            "vendor", List.of("Vendor"));
    static final String RESOURCE_GRANT = "intake";
    private static final List<String> QUEUE_ACTIONS = List.of("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage");

    private final long seed;
    private final SplittableRandom random;
    private final Map<String, String> grants = new LinkedHashMap<>();
    private final Map<String, String> parents = new LinkedHashMap<>();
    private final List<String> created = new ArrayList<>();
    private int serial;

    public HistoryGenerator(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        World.START_ACCOUNTS.forEach(a -> parents.put(a, World.startParent(a)));
    }

    /** A history of {@code length} steps (the first few always write grants, so that there is something to converge). */
    public History generate(int length, double faultRate) {
        List<Op> ops = new ArrayList<>();
        while (ops.size() < length) {
            ops.add(ops.size() < 3 ? put(pickGrant()) : next());
        }
        return new History(seed, ops, faultRate);
    }

    private Op next() {
        int dice = random.nextInt(100);
        if (dice < 24) {
            return put(pickGrant());
        }
        if (dice < 30 && !grants.isEmpty()) {
            String id = pick(List.copyOf(grants.keySet()));
            grants.remove(id);
            return new Op.DeleteGrant(id);
        }
        if (dice < 48) {
            return new Op.DeliverStream(1 + random.nextInt(3), random.nextLong(), random.nextInt(5) == 0);
        }
        if (dice < 53 && created.size() < 4) {
            String id = "5550000000" + String.format("%02d", created.size() + 1);
            String parent = pick(List.of("root", "Workloads", "Prod", "Sandbox"));
            created.add(id);
            parents.put(id, parent);
            return new Op.CreateAccount(id, parent, random.nextInt(4));
        }
        if (dice < 58) {
            List<String> movable = parents.keySet().stream().filter(a -> !a.equals(World.GRANTEE)).toList();
            String account = pick(movable);
            List<String> places = new ArrayList<>(List.of("root", "Workloads", "Prod", "Sandbox"));
            places.remove(parents.get(account));
            String destination = pick(places);
            parents.put(account, destination);
            return new Op.MoveAccount(account, destination);
        }
        if (dice < 60 && created.stream().anyMatch(parents::containsKey)) {
            String account = pick(created.stream().filter(parents::containsKey).toList());
            parents.remove(account);
            return new Op.CloseAccount(account);
        }
        if (dice < 68) {
            return new Op.DeliverAccountEvents(1 + random.nextInt(3), random.nextLong(), random.nextInt(6) == 0);
        }
        if (dice < 86) {
            return new Op.Consume(1 + random.nextInt(3), 1 + random.nextInt(4));
        }
        if (dice < 91) {
            return new Op.Drift(random.nextBoolean());
        }
        return hand();
    }

    private Op hand() {
        Op.HandChange change = pick(List.of(Op.HandChange.values()));
        List<String> accounts = List.copyOf(parents.keySet());
        return switch (change) {
            case ATTACH_POLICY, EDIT_TRUST, DELETE_ROLE -> {
                String grant = pick(List.copyOf(ROLE_NAMES.keySet()));
                yield new Op.Hand(change, pick(accounts), pick(ROLE_NAMES.get(grant)));
            }
            case UNMANAGED_ROLE -> new Op.Hand(change, pick(accounts), pick(ROLE_NAMES.get(pick(List.copyOf(ROLE_NAMES.keySet())))));
            case FOREIGN_STATEMENT -> new Op.Hand(change, World.PROD, "Foreign" + (++serial));
            case EDIT_STATEMENT -> new Op.Hand(change, World.PROD, "Crossrole" + RESOURCE_GRANT);
        };
    }

    private String pickGrant() {
        List<String> ids = new ArrayList<>(ROLE_NAMES.keySet().stream().sorted().toList());
        ids.add(RESOURCE_GRANT);
        return pick(ids);
    }

    private Op put(String grantId) {
        String json = grantId.equals(RESOURCE_GRANT) ? resourceGrant() : roleGrant(grantId);
        grants.put(grantId, json);
        return new Op.PutGrant(grantId, json);
    }

    private String roleGrant(String grantId) {
        ObjectNode g = JSON.createObjectNode();
        g.put("grantId", grantId);
        g.put("roleName", pick(ROLE_NAMES.get(grantId)));
        if (random.nextInt(7) == 0) {
            g.put("rolePath", "/crossrole-managed/team/");
        }
        ArrayNode targets = g.putArray("targets");
        Set<String> chosen = new LinkedHashSet<>();
        int count = 1 + random.nextInt(3);
        List<String> pool = new ArrayList<>(parents.keySet());
        pool.addAll(List.of("${ou:Workloads}", "${ou:Prod}", "${ou:Sandbox}"));
        for (int i = 0; i < count; i++) {
            chosen.add(random.nextInt(12) == 0 ? ROOT : pick(pool));
        }
        chosen.forEach(targets::add);
        ArrayNode trusted = g.putArray("trustedPrincipals");
        boolean trustsGranteeAccount = false;
        if (grantId.equals("vendor")) {
            trusted.add(World.OUTSIDER);
            g.put("externalId", "vendor-" + random.nextInt(1000));
        } else {
            Set<String> principals = new LinkedHashSet<>();
            int n = 1 + random.nextInt(2);
            for (int i = 0; i < n; i++) {
                principals.add(pick(List.of(World.GRANTEE, World.AUDITOR, "arn:aws:iam::" + World.STAGE + ":root")));
            }
            principals.forEach(trusted::add);
            trustsGranteeAccount = principals.contains(World.GRANTEE);
            if (random.nextInt(5) == 0) {
                g.put("externalId", "ext-" + random.nextInt(1000));
            }
        }
        if (random.nextInt(5) < 2) {
            g.put("requireMfa", true);
        }
        int session = random.nextInt(16);
        if (session == 0) {
            g.put("maxSessionDuration", 60); // invalid: the grant is refused
        } else if (session < 6) {
            g.put("maxSessionDuration", 7200);
        }
        ArrayNode managed = JSON.createArrayNode();
        MANAGED.stream().filter(m -> random.nextInt(3) == 0).forEach(managed::add);
        if (!managed.isEmpty()) {
            g.set("managedPolicyArns", managed);
        }
        if (random.nextInt(5) < 2 || managed.isEmpty()) {
            g.put("inlinePolicy", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
                    + "\"Resource\":\"arn:aws:s3:::bucket-" + random.nextInt(100) + "/*\"}]}");
        }
        if (random.nextInt(10) == 0) {
            g.put("permissionsBoundaryArn", AWS_POLICY + "ReadOnlyAccess");
        }
        if (random.nextInt(10) < 3) {
            g.putObject("tags").put("team", "t" + random.nextInt(10));
        }
        expiry(g);
        if (trustsGranteeAccount) {
            List<String> groups = new ArrayList<>(World.GROUPS);
            ArrayNode allow = JSON.createArrayNode();
            ArrayNode deny = JSON.createArrayNode();
            for (String group : groups) {
                int d = random.nextInt(4);
                if (d == 0) {
                    allow.add(World.groupArn(group));
                } else if (d == 1) {
                    deny.add(World.groupArn(group));
                }
            }
            if (!allow.isEmpty()) {
                g.set("granteeAttach", allow);
            }
            if (!deny.isEmpty()) {
                g.set("granteeDeny", deny);
            }
        }
        return g.toString();
    }

    private String resourceGrant() {
        ObjectNode g = JSON.createObjectNode();
        g.put("grantId", RESOURCE_GRANT);
        g.putArray("targets").add(World.PROD);
        ArrayNode trusted = g.putArray("trustedPrincipals");
        new LinkedHashSet<>(List.of(pick(List.of(World.AUDITOR, World.GRANTEE)), pick(List.of(World.AUDITOR, World.GRANTEE))))
                .forEach(trusted::add);
        g.putArray("resourceArns").add(World.QUEUE_ARN);
        ArrayNode actions = g.putArray("resourceActions");
        QUEUE_ACTIONS.stream().filter(a -> random.nextBoolean()).forEach(actions::add);
        if (actions.isEmpty()) {
            actions.add(QUEUE_ACTIONS.get(0));
        }
        if (random.nextInt(10) < 3) {
            g.put("requireMfa", true);
        }
        expiry(g);
        return g.toString();
    }

    private void expiry(ObjectNode g) {
        int e = random.nextInt(10);
        if (e == 0) {
            g.put("expiresAt", PAST);
        } else if (e < 3) {
            g.put("expiresAt", FUTURE);
        }
    }

    private <T> T pick(List<T> from) {
        return from.get(random.nextInt(from.size()));
    }
}
