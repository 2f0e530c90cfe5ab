package io.crossrole.grant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.IamNames;
import io.crossrole.model.Partition;
import io.crossrole.model.Principal;
import io.crossrole.model.Target;
import io.crossrole.policy.ExpiryPolicy;
import io.crossrole.policy.PolicyDocuments;
import io.crossrole.policy.TrustPolicyBuilder;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import software.amazon.awssdk.policybuilder.iam.IamPolicy;

/**
 * Reads a grant record and checks every field against IAM's rules, reporting all problems at once.
 *
 * <pre>{@code
 * GrantParser parser = new GrantParser(Partition.AWS, Limits.DEFAULT);
 * GrantValidation result = parser.parse(GrantImages.fromJson(Files.readString(path)));
 * if (!result.isValid()) {
 *     result.problems().forEach(System.err::println); // "roleName: must be 1–64 characters …"
 * }
 * }</pre>
 */
public final class GrantParser {
    /** Tags Crossrole itself puts on every role it creates. */
    public static final int RESERVED_TAG_COUNT = 2;
    private static final int MAX_TAGS = 50 - RESERVED_TAG_COUNT;
    private static final Set<String> KNOWN = Set.of("grantId", "roleName", "rolePath", "targets", "trustedPrincipals",
            "managedPolicyArns", "inlinePolicy", "permissionsBoundaryArn", "externalId", "requireMfa",
            "maxSessionDuration", "description", "tags", "granteeAttach", "granteeDeny", "expiresAt", "resourceArns", "resourceActions");
    /** What only a role grant has: a resource-policy grant refuses each, naming it. */
    private static final List<String> ROLE_ONLY = List.of("roleName", "rolePath", "managedPolicyArns", "inlinePolicy",
            "permissionsBoundaryArn", "maxSessionDuration", "tags", "granteeAttach", "granteeDeny");
    private static final Pattern GRANT_ID = Pattern.compile("[A-Za-z0-9._@=+-]{1,100}");
    private static final Pattern EXTERNAL_ID = Pattern.compile("[\\w+=,.@:/-]{2,1224}");
    private static final Pattern DESCRIPTION = Pattern.compile("[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]{0,1000}");
    private static final Pattern TAG_CHARS = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");
    private static final Pattern POLICY_RESOURCE = Pattern.compile("policy(/[\\x21-\\x7E]+)?/[\\w+=,.@-]{1,128}");
    private static final Set<String> POLICY_KEYS = Set.of("Version", "Id", "Statement");
    private static final Set<String> STATEMENT_KEYS = new TreeSet<>(Set.of("Sid", "Effect", "Action", "NotAction",
            "Resource", "NotResource", "Condition", "Principal", "NotPrincipal"));
    private static final Pattern SID = Pattern.compile("[A-Za-z0-9]*");
    private static final Pattern ACTION = Pattern.compile("\\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+");
    /** Epoch seconds beyond year 9999 are no date IAM or Java can hold: most likely milliseconds or nanoseconds. */
    private static final long MAX_EPOCH_SECONDS = 253402300799L;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Partition partition;
    private final Limits limits;
    private final String managedRolePath;

    /** A parser that confines roles to {@code managedRolePath}: the default path, and the one every rolePath must be beneath. */
    public GrantParser(Partition partition, Limits limits, String managedRolePath) {
        this.partition = Objects.requireNonNull(partition);
        this.limits = Objects.requireNonNull(limits);
        if (!IamNames.isValidPath(managedRolePath)) {
            throw new IllegalArgumentException("the managed role path must be / or /a/b/, got '" + managedRolePath + "'");
        }
        this.managedRolePath = managedRolePath;
    }

    /** A parser with no path confinement (roles may live anywhere, {@code /} by default). */
    public GrantParser(Partition partition, Limits limits) {
        this(partition, limits, "/");
    }

    /** The path roles are created under when a grant names none; every rolePath must be beneath it. */
    public String managedRolePath() {
        return managedRolePath;
    }

    public GrantValidation parse(Map<String, Object> raw) {
        return new Reading(raw).read();
    }

    /** The state of one read: the record and the problems found so far. */
    private final class Reading {
        private final Map<String, Object> raw;
        private final List<Problem> problems = new ArrayList<>();
        private final Grant.Builder grant = Grant.builder();

        Reading(Map<String, Object> raw) {
            this.raw = raw == null ? Map.of() : raw;
        }

        GrantValidation read() {
            raw.keySet().stream().filter(k -> !KNOWN.contains(k)).sorted().forEach(k ->
                    problem(k, "unknown attribute; a grant has " + String.join(", ", KNOWN.stream().sorted().toList())));
            if (raw.containsKey("resourceArns") || raw.containsKey("resourceActions")) {
                return readResourceGrant();
            }
            Optional<String> grantId = requiredString("grantId").filter(id -> check(GRANT_ID.matcher(id).matches(),
                    "grantId", "must be 1–100 characters of letters, digits and . _ @ = + -; got " + quote(id)));
            grantId.ifPresent(grant::grantId);
            Optional<String> roleName = requiredString("roleName").filter(name -> check(IamNames.isValidRoleName(name), "roleName",
                    "must be 1–64 characters of letters, digits and + = , . @ _ -; got " + quote(name)));
            roleName.ifPresent(grant::roleName);
            grant.rolePath(managedRolePath);
            optionalString("rolePath").ifPresent(path -> {
                if (check(IamNames.isValidPath(path), "rolePath", "must be '/' or /a/b/: segments of letters, digits and"
                        + " + = , . @ _ - between slashes, at most 512 characters; got " + quote(path))
                        && check(IamNames.isBeneath(path, managedRolePath), "rolePath", "must be " + managedRolePath
                        + " or below it (ManagedRolePath: Crossrole creates roles only there, so that IAM can confine it to them);"
                        + " got " + quote(path))) {
                    grant.rolePath(path);
                }
            });
            List<AccountId> accounts = readTargets();
            List<Principal> principals = readPrincipals();
            readManagedPolicies();
            int inlineSize = readInlinePolicy();
            optionalString("permissionsBoundaryArn").ifPresent(arn -> {
                if (policyArn("permissionsBoundaryArn", arn)) {
                    grant.permissionsBoundaryArn(arn);
                }
            });
            Optional<String> externalId = optionalSecret("externalId").filter(id -> check(EXTERNAL_ID.matcher(id).matches(),
                    "externalId", "must be 2–1224 characters of letters, digits and + = , . @ : / - _; got " + id.length()
                            + " characters (the value is not repeated here: external IDs stay out of statuses and logs)"));
            externalId.ifPresent(grant::externalId);
            boolean requireMfa = optionalBoolean("requireMfa").orElse(false);
            grant.requireMfa(requireMfa);
            optionalInteger("maxSessionDuration").ifPresent(seconds -> {
                if (check(seconds >= 3600 && seconds <= 43200, "maxSessionDuration",
                        "must be between 3600 and 43200 seconds (1 to 12 hours); got " + seconds)) {
                    grant.maxSessionDuration(seconds.intValue());
                }
            });
            optionalString("description").ifPresent(d -> {
                if (check(DESCRIPTION.matcher(d).matches(), "description",
                        "must be at most 1000 characters of printable Latin-1 text; got " + d.length() + " characters"
                                + (d.length() <= 1000 ? " with unsupported characters" : ""))) {
                    grant.description(d);
                }
            });
            readTags();
            List<Arn> attach = readGrantees("granteeAttach");
            attach.forEach(grant::addGranteeAttach);
            List<Arn> deny = readGrantees("granteeDeny");
            for (int i = 0; i < deny.size(); i++) {
                if (attach.contains(deny.get(i))) {
                    problem("granteeDeny", quote(deny.get(i).toString()) + " is also in granteeAttach: a principal is either"
                            + " allowed to assume the grant's roles or explicitly denied, not both");
                } else {
                    grant.addGranteeDeny(deny.get(i));
                }
            }
            Optional<Instant> expiresAt = optionalInteger("expiresAt").filter(epoch ->
                    check(epoch >= 0, "expiresAt", "must be epoch seconds (a positive number); got " + epoch)
                            && check(epoch <= MAX_EPOCH_SECONDS, "expiresAt", "must be epoch seconds, at most " + MAX_EPOCH_SECONDS
                            + " (year 9999); got " + epoch + " (milliseconds?)")).map(Instant::ofEpochSecond);
            expiresAt.ifPresent(at -> {
                grant.expiresAt(at);
                int expirySize = PolicyDocuments.sizeWithoutWhitespace(ExpiryPolicy.denyEverythingAfter(at).toJson());
                check(inlineSize + expirySize <= limits.inlinePoliciesMaxChars(), "inlinePolicy", "is " + inlineSize
                        + " characters without white space; with the " + ExpiryPolicy.NAME + " policy expiresAt adds (" + expirySize
                        + "), the role's inline policies would be " + (inlineSize + expirySize) + "; IAM allows "
                        + limits.inlinePoliciesMaxChars() + " per role");
            });
            if (!principals.isEmpty() && problems.stream().noneMatch(p -> p.field().startsWith("trustedPrincipals")
                    || p.field().equals("externalId"))) {
                String trust = TrustPolicyBuilder.builder().principals(principals).externalId(externalId.orElse(null))
                        .requireMfa(requireMfa).expiresAt(expiresAt.orElse(null)).build().toJson();
                int size = PolicyDocuments.sizeWithoutWhitespace(trust);
                check(size <= limits.trustPolicyMaxChars(), "trustedPrincipals", "the trust policy would be " + size
                        + " characters; IAM allows " + limits.trustPolicyMaxChars()
                        + " (raise the quota and TRUST_POLICY_MAX_CHARS, or trust fewer principals)");
            }
            Optional<Grant> valid = problems.isEmpty() ? Optional.of(grant.build()) : Optional.empty();
            return new GrantValidation(valid, problems, grantId, accounts, roleName);
        }

        private List<AccountId> readTargets() {
            List<AccountId> accounts = new ArrayList<>();
            Optional<List<String>> items = requiredStringList("targets",
                    " (write account IDs as strings: a number loses leading zeros)");
            items.ifPresent(list -> {
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < list.size(); i++) {
                    String text = list.get(i);
                    if (text == null) {
                        continue;
                    }
                    String field = "targets[" + i + "]";
                    if (!seen.add(text)) {
                        problem(field, "duplicate target " + quote(text));
                        continue;
                    }
                    try {
                        Target target = Target.parse(text);
                        grant.addTarget(target);
                        if (target instanceof Target.Account account) {
                            accounts.add(account.account());
                        }
                    } catch (IllegalArgumentException e) {
                        problem(field, e.getMessage());
                    }
                }
            });
            return accounts;
        }

        private List<Principal> readPrincipals() {
            List<Principal> principals = new ArrayList<>();
            requiredStringList("trustedPrincipals", "").ifPresent(list -> {
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < list.size(); i++) {
                    String text = list.get(i);
                    if (text == null) {
                        continue;
                    }
                    String field = "trustedPrincipals[" + i + "]";
                    try {
                        Principal p = Principal.parse(text, partition);
                        if (!seen.add(p.arn())) {
                            problem(field, "duplicate principal " + quote(text));
                            continue;
                        }
                        principals.add(p);
                        grant.addTrustedPrincipal(p);
                    } catch (IllegalArgumentException e) {
                        problem(field, e.getMessage());
                    }
                }
            });
            return principals;
        }

        private void readManagedPolicies() {
            optionalStringList("managedPolicyArns").ifPresent(list -> {
                check(list.size() <= limits.managedPoliciesMax(), "managedPolicyArns", "has " + list.size()
                        + " policies; IAM attaches at most " + limits.managedPoliciesMax()
                        + " to a role (raise the quota and MANAGED_POLICIES_MAX)");
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < list.size(); i++) {
                    String arn = list.get(i);
                    String field = "managedPolicyArns[" + i + "]";
                    if (arn == null) {
                        continue;
                    }
                    if (!seen.add(arn)) {
                        problem(field, "duplicate policy " + quote(arn));
                    } else if (policyArn(field, arn)) {
                        grant.addManagedPolicyArn(arn);
                    }
                }
            });
        }

        private boolean policyArn(String field, String text) {
            Optional<Arn> arn = Arn.parse(text);
            if (arn.isEmpty() || !arn.get().service().equals("iam") || !arn.get().region().isEmpty()
                    || !(arn.get().account().equals("aws") || AccountId.isValid(arn.get().account()))
                    || !POLICY_RESOURCE.matcher(arn.get().resource()).matches() || text.contains("*")) {
                problem(field, "must be a managed policy ARN such as arn:" + partition.id()
                        + ":iam::aws:policy/ReadOnlyAccess or arn:" + partition.id() + ":iam::111111111111:policy/Name; got " + quote(text));
                return false;
            }
            return check(arn.get().partition().equals(partition.id()), field, quote(text) + " is in partition "
                    + arn.get().partition() + " but the owner accounts are in " + partition.id());
        }

        /** @return the policy's size without white space (0 when there is none or it cannot be read) */
        private int readInlinePolicy() {
            Object value = raw.get("inlinePolicy");
            if (value == null) {
                return 0;
            }
            String text;
            if (value instanceof String s) {
                text = s;
            } else if (value instanceof Map<?, ?> map) {
                try {
                    text = JSON.writeValueAsString(map);
                } catch (JsonProcessingException e) {
                    problem("inlinePolicy", "cannot be written as JSON: " + e.getOriginalMessage());
                    return 0;
                }
            } else {
                problem("inlinePolicy", "must be a JSON policy document (an object, or a string holding one); got " + typeName(value));
                return 0;
            }
            JsonNode tree;
            try {
                tree = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                problem("inlinePolicy", "is not valid JSON: " + e.getOriginalMessage());
                return 0;
            }
            if (tree == null || !tree.isObject()) {
                problem("inlinePolicy", "must be a JSON object with Version and Statement");
                return 0;
            }
            if (!tree.has("Statement")) {
                problem("inlinePolicy", "has no Statement");
                return 0;
            }
            int before = problems.size();
            JsonNode version = tree.path("Version");
            if (!version.isMissingNode() && !version.asText().equals(PolicyDocuments.VERSION) && !version.asText().equals("2008-10-17")) {
                problem("inlinePolicy.Version", "must be 2012-10-17; got " + quote(version.asText()));
            }
            JsonNode statements = tree.get("Statement");
            List<JsonNode> list = new ArrayList<>();
            if (statements.isArray()) {
                statements.forEach(list::add);
            } else {
                list.add(statements);
            }
            if (list.isEmpty()) {
                problem("inlinePolicy.Statement", "must hold at least one statement");
            }
            for (int i = 0; i < list.size(); i++) {
                JsonNode st = list.get(i);
                String field = "inlinePolicy.Statement[" + i + "]";
                if (!st.isObject()) {
                    problem(field, "must be an object with Effect, Action and Resource");
                    continue;
                }
                String effect = st.path("Effect").asText("");
                if (!st.has("Effect")) {
                    problem(field, "needs an Effect of Allow or Deny");
                } else if (!effect.equals("Allow") && !effect.equals("Deny")) {
                    JsonNode given = st.get("Effect");
                    problem(field, "Effect must be Allow or Deny; got " + quote(given.isTextual() ? given.asText() : given.toString()));
                }
                if (!st.has("Action") && !st.has("NotAction")) {
                    problem(field, "needs an Action or NotAction");
                }
                if (!st.has("Resource") && !st.has("NotResource")) {
                    problem(field, "needs a Resource or NotResource");
                }
                if (st.has("Principal") || st.has("NotPrincipal")) {
                    problem(field, "a permissions policy cannot have a Principal (that belongs in the trust policy: use trustedPrincipals)");
                }
                st.fieldNames().forEachRemaining(key -> {
                    if (!STATEMENT_KEYS.contains(key)) {
                        problem(field, "unknown element " + quote(key) + "; a statement has " + String.join(", ", STATEMENT_KEYS));
                    }
                });
                if (st.has("Sid") && !(st.get("Sid").isTextual() && SID.matcher(st.get("Sid").asText()).matches())) {
                    problem(field + ".Sid", "must be letters and digits only; got " + quote(st.get("Sid").toString()));
                }
                for (String key : List.of("Action", "NotAction", "Resource", "NotResource")) {
                    JsonNode element = st.get(key);
                    if (element != null && !(element.isTextual() || element.isArray() && java.util.stream.StreamSupport
                            .stream(element.spliterator(), false).allMatch(JsonNode::isTextual))) {
                        problem(field + "." + key, "must be a string or a list of strings; got " + element);
                    }
                }
                for (String key : List.of("Action", "NotAction")) {
                    strings(st.get(key)).forEach(action -> {
                        if (!ACTION.matcher(action).matches()) {
                            problem(field + "." + key, "actions are written service:Action (e.g. s3:GetObject) or *; got " + quote(action));
                        }
                    });
                }
                for (String key : List.of("Resource", "NotResource")) {
                    strings(st.get(key)).forEach(resource -> {
                        if (!resource.equals("*") && !resource.startsWith("arn:")) {
                            problem(field + "." + key, "resources are ARNs (arn:…) or *; got " + quote(resource));
                        }
                    });
                }
            }
            tree.fieldNames().forEachRemaining(key -> {
                if (!POLICY_KEYS.contains(key)) {
                    problem("inlinePolicy", "unknown element " + quote(key) + "; a policy has Version, Id and Statement");
                }
            });
            if (problems.size() == before) {
                try {
                    IamPolicy.fromJson(text);
                } catch (RuntimeException e) {
                    problem("inlinePolicy", "is not an IAM policy: " + e.getMessage());
                }
            }
            int size = PolicyDocuments.sizeWithoutWhitespace(text);
            check(size <= limits.inlinePoliciesMaxChars(), "inlinePolicy", "is " + size
                    + " characters without white space; IAM allows " + limits.inlinePoliciesMaxChars() + " of inline policy per role");
            if (problems.size() == before) {
                grant.inlinePolicy(compact(tree));
            }
            return size;
        }

        private void readTags() {
            Object value = raw.get("tags");
            if (value == null) {
                return;
            }
            if (!(value instanceof Map<?, ?> map)) {
                problem("tags", "must be a map of tag names to string values; got " + typeName(value));
                return;
            }
            check(map.size() <= MAX_TAGS, "tags", "has " + map.size() + " tags; a role holds 50 and Crossrole uses "
                    + RESERVED_TAG_COUNT + ", so at most " + MAX_TAGS);
            Map<String, String> tags = new LinkedHashMap<>();
            map.forEach((k, v) -> {
                String key = String.valueOf(k);
                String field = "tags." + key;
                int before = problems.size();
                check(!key.isEmpty() && key.length() <= 128, field, "tag keys are 1–128 characters; got " + key.length());
                check(TAG_CHARS.matcher(key).matches(), field, "tag keys use letters, digits, spaces and _ . : / = + - @; got " + quote(key));
                String lower = key.toLowerCase(Locale.ROOT);
                check(!lower.startsWith("aws:"), field, "the aws: prefix is reserved for AWS");
                check(!lower.startsWith("crossrole:"), field, "the crossrole: prefix is reserved for Crossrole's ownership tags");
                if (!(v instanceof String s)) {
                    problem(field, "tag values must be strings; got " + typeName(v));
                } else {
                    check(s.length() <= 256, field, "tag values are at most 256 characters; got " + s.length());
                    check(TAG_CHARS.matcher(s).matches(), field, "tag values use letters, digits, spaces and _ . : / = + - @; got " + quote(s));
                    if (problems.size() == before) {
                        tags.put(key, s);
                    }
                }
            });
            tags.forEach(grant::putTag);
        }

        /**
         * A resource-policy grant: resourceArns and resourceActions instead of a role. Account targets only (a resource
         * lives in one account), the resources of one service (S3, SQS or SNS) and its actions only, each resource in
         * an account the grant targets, no external ID (only sts:AssumeRole checks one).
         */
        private GrantValidation readResourceGrant() {
            Optional<String> grantId = requiredString("grantId").filter(id -> check(GRANT_ID.matcher(id).matches(),
                    "grantId", "must be 1–100 characters of letters, digits and . _ @ = + -; got " + quote(id)));
            ROLE_ONLY.stream().filter(raw::containsKey).forEach(field -> problem(field, "a resource-policy grant (resourceArns)"
                    + " has no role: leave " + field + " out, or write a role grant without resourceArns and resourceActions"));
            if (raw.containsKey("externalId")) {
                problem("externalId", "only sts:AssumeRole checks an external ID: a resource-policy grant cannot require one");
            }
            List<AccountId> accounts = new ArrayList<>();
            requiredStringList("targets", " (write account IDs as strings: a number loses leading zeros)").ifPresent(list -> {
                for (int i = 0; i < list.size(); i++) {
                    String text = list.get(i);
                    String field = "targets[" + i + "]";
                    if (text == null) {
                        continue;
                    }
                    if (!AccountId.isValid(text)) {
                        problem(field, "a resource-policy grant targets account IDs only (a resource lives in one account); got "
                                + quote(text));
                    } else if (accounts.contains(AccountId.of(text))) {
                        problem(field, "duplicate target " + quote(text));
                    } else {
                        accounts.add(AccountId.of(text));
                    }
                }
            });
            List<Principal> principals = readPrincipals();
            List<ResourceGrant.ResourceArn> resources = new ArrayList<>();
            requiredStringList("resourceArns", "").ifPresent(list -> {
                if (list.isEmpty()) {
                    problem("resourceArns", "must name at least one resource");
                }
                for (int i = 0; i < list.size(); i++) {
                    String text = list.get(i);
                    if (text == null) {
                        continue;
                    }
                    try {
                        PolicyHolder holder = PolicyHolder.parse(text);
                        if (!Arn.parse(text).orElseThrow().partition().equals(partition.id())) {
                            problem("resourceArns[" + i + "]", quote(text) + " is not in partition " + partition.id());
                        } else if (resources.stream().anyMatch(r -> r.arn().equals(text))) {
                            problem("resourceArns[" + i + "]", "duplicate resource " + quote(text));
                        } else {
                            resources.add(new ResourceGrant.ResourceArn(text, holder));
                        }
                    } catch (IllegalArgumentException e) {
                        problem("resourceArns[" + i + "]", quote(text) + " " + e.getMessage());
                    }
                }
            });
            List<String> services = resources.stream().map(r -> r.holder().service()).distinct().toList();
            if (services.size() > 1) {
                problem("resourceArns", "the resources of one grant are of one service (S3, SQS or SNS); got " + String.join(", ", services));
            }
            List<String> actions = new ArrayList<>();
            requiredStringList("resourceActions", "").ifPresent(list -> {
                if (list.isEmpty()) {
                    problem("resourceActions", "must name at least one action");
                }
                for (int i = 0; i < list.size(); i++) {
                    String action = list.get(i);
                    String field = "resourceActions[" + i + "]";
                    if (action == null) {
                        continue;
                    }
                    if (!ACTION.matcher(action).matches() || action.equals("*")) {
                        problem(field, "must be service:Action (wildcards allowed in the action), e.g. sqs:SendMessage; got " + quote(action));
                    } else if (services.size() == 1 && !action.substring(0, action.indexOf(':')).equalsIgnoreCase(services.get(0))) {
                        problem(field, quote(action) + " is an action of " + action.substring(0, action.indexOf(':')) + ", not of "
                                + services.get(0) + " (the grant's resources)");
                    } else if (actions.contains(action)) {
                        problem(field, "duplicate action " + quote(action));
                    } else {
                        actions.add(action);
                    }
                }
            });
            boolean buckets = resources.stream().anyMatch(r -> r.holder() instanceof PolicyHolder.Bucket);
            if (buckets && accounts.size() > 1) {
                problem("targets", "an S3 bucket's ARN does not name its account: a grant on S3 resources targets the one account"
                        + " that owns the buckets");
            }
            for (int i = 0; i < resources.size(); i++) {
                Optional<AccountId> owner = resources.get(i).holder().account();
                if (owner.isPresent() && !accounts.isEmpty() && !accounts.contains(owner.get())) {
                    problem("resourceArns[" + i + "]", quote(resources.get(i).arn()) + " is in account " + owner.get()
                            + ", which the grant does not target");
                }
            }
            for (int i = 0; i < accounts.size() && !buckets && !resources.isEmpty(); i++) {
                AccountId account = accounts.get(i);
                if (resources.stream().noneMatch(r -> r.holder().account().filter(account::equals).isPresent())) {
                    problem("targets[" + i + "]", "no resource of the grant is in account " + account);
                }
            }
            boolean requireMfa = optionalBoolean("requireMfa").orElse(false);
            Optional<String> description = optionalString("description").filter(d -> check(DESCRIPTION.matcher(d).matches(),
                    "description", "must be at most 1000 characters of printable Latin-1 text; got " + d.length() + " characters"));
            Optional<Instant> expiresAt = optionalInteger("expiresAt").filter(epoch ->
                    check(epoch >= 0, "expiresAt", "must be epoch seconds (a positive number); got " + epoch)
                            && check(epoch <= MAX_EPOCH_SECONDS, "expiresAt", "must be epoch seconds, at most " + MAX_EPOCH_SECONDS
                            + " (year 9999); got " + epoch + " (milliseconds?)")).map(Instant::ofEpochSecond);
            Optional<ResourceGrant> valid = problems.isEmpty()
                    ? Optional.of(new ResourceGrant(grantId.orElseThrow(), accounts, principals, requireMfa, resources, actions,
                            description, expiresAt))
                    : Optional.empty();
            return new GrantValidation(Optional.empty(), problems, grantId, accounts, Optional.empty(), valid);
        }

        /** granteeAttach or granteeDeny: group, user or role ARNs in grantee accounts, each once. */
        private List<Arn> readGrantees(String name) {
            List<Arn> out = new ArrayList<>();
            optionalStringList(name).ifPresent(list -> {
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < list.size(); i++) {
                    String text = list.get(i);
                    String field = name + "[" + i + "]";
                    if (text == null) {
                        continue;
                    }
                    Optional<Arn> arn = Arn.parse(text);
                    if (arn.isEmpty() || !arn.get().service().equals("iam") || !arn.get().region().isEmpty()
                            || !arn.get().resource().contains("/") || !AccountId.isValid(arn.get().account())
                            || !Set.of("group", "user", "role").contains(arn.get().resourceType()) || text.contains("*")
                            || !IamNames.isValidRoleName(arn.get().resourceName())) {
                        problem(field, "must be the ARN of an IAM group, user or role in a grantee account, e.g. arn:"
                                + partition.id() + ":iam::222222222222:group/Developers; got " + quote(text));
                    } else if (!arn.get().partition().equals(partition.id())) {
                        problem(field, quote(text) + " is in partition " + arn.get().partition()
                                + " but the owner accounts are in " + partition.id());
                    } else if (!seen.add(text)) {
                        problem(field, "duplicate " + quote(text));
                    } else {
                        out.add(arn.get());
                    }
                }
            });
            return out;
        }

        private Optional<String> requiredString(String field) {
            Object v = raw.get(field);
            if (v == null) {
                problem(field, "is required");
                return Optional.empty();
            }
            if (!(v instanceof String s)) {
                problem(field, "must be a string; got " + typeName(v));
                return Optional.empty();
            }
            if (s.isEmpty()) {
                problem(field, "must not be empty");
                return Optional.empty();
            }
            return Optional.of(s);
        }

        private Optional<String> optionalString(String field) {
            Object v = raw.get(field);
            if (v == null) {
                return Optional.empty();
            }
            if (!(v instanceof String s)) {
                problem(field, "must be a string; got " + typeName(v));
                return Optional.empty();
            }
            return Optional.of(s);
        }

        /** Like {@link #optionalString}, but a value of the wrong type is described without being repeated. */
        private Optional<String> optionalSecret(String field) {
            Object v = raw.get(field);
            if (v == null) {
                return Optional.empty();
            }
            if (!(v instanceof String s)) {
                problem(field, "must be a string; got " + (v instanceof BigDecimal ? "a number" : typeName(v))
                        + " (the value is not repeated here: external IDs stay out of statuses and logs)");
                return Optional.empty();
            }
            return Optional.of(s);
        }

        private Optional<Boolean> optionalBoolean(String field) {
            Object v = raw.get(field);
            if (v == null) {
                return Optional.empty();
            }
            if (!(v instanceof Boolean b)) {
                problem(field, "must be true or false; got " + typeName(v));
                return Optional.empty();
            }
            return Optional.of(b);
        }

        private Optional<Long> optionalInteger(String field) {
            Object v = raw.get(field);
            if (v == null) {
                return Optional.empty();
            }
            if (!(v instanceof BigDecimal n)) {
                problem(field, "must be a number; got " + typeName(v));
                return Optional.empty();
            }
            try {
                return Optional.of(n.longValueExact());
            } catch (ArithmeticException e) {
                problem(field, n.stripTrailingZeros().scale() <= 0
                        ? "is out of range; got " + n.toEngineeringString()
                        : "must be a whole number; got " + n.toPlainString());
                return Optional.empty();
            }
        }

        private Optional<List<String>> requiredStringList(String field, String numberHint) {
            if (raw.get(field) == null) {
                problem(field, "is required");
                return Optional.empty();
            }
            Optional<List<String>> list = stringList(field, numberHint);
            list.filter(List::isEmpty).ifPresent(empty -> problem(field, "must not be empty"));
            return list.filter(l -> !l.isEmpty());
        }

        private Optional<List<String>> optionalStringList(String field) {
            return raw.get(field) == null ? Optional.empty() : stringList(field, "");
        }

        /** A list or string set; elements of another type become problems and nulls in the result. */
        private Optional<List<String>> stringList(String field, String numberHint) {
            Object v = raw.get(field);
            if (!(v instanceof Collection<?> items)) {
                problem(field, "must be a list of strings; got " + typeName(v));
                return Optional.empty();
            }
            List<String> out = new ArrayList<>();
            int i = 0;
            for (Object item : items) {
                if (item instanceof String s) {
                    out.add(s);
                } else {
                    problem(field + "[" + i + "]", "must be a string; got " + typeName(item)
                            + (item instanceof BigDecimal ? numberHint : ""));
                    out.add(null);
                }
                i++;
            }
            return Optional.of(out);
        }

        private boolean check(boolean ok, String field, String message) {
            if (!ok) {
                problem(field, message);
            }
            return ok;
        }

        private void problem(String field, String message) {
            problems.add(new Problem(field, message));
        }
    }

    /** A policy element's strings: one string or the strings of a list (other shapes are reported on their own). */
    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node != null && node.isTextual()) {
            out.add(node.asText());
        } else if (node != null && node.isArray()) {
            node.forEach(n -> {
                if (n.isTextual()) {
                    out.add(n.asText());
                }
            });
        }
        return out;
    }

    static String typeName(Object v) {
        if (v == null) {
            return "nothing (null)";
        }
        if (v instanceof String) {
            return "a string";
        }
        if (v instanceof BigDecimal n) {
            return "the number " + n.toPlainString();
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        if (v instanceof Set<?>) {
            return "a set";
        }
        if (v instanceof List<?>) {
            return "a list";
        }
        if (v instanceof Map<?, ?>) {
            return "a map";
        }
        if (v instanceof byte[]) {
            return "binary data";
        }
        return v.getClass().getSimpleName();
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder("'");
        s.codePoints().limit(200).forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append(s.length() > 200 ? "…'" : "'").toString();
    }

    private static String compact(JsonNode tree) {
        try {
            return JSON.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
