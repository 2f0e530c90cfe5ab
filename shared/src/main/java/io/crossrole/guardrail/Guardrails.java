package io.crossrole.guardrail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crossrole.model.AccountId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What a grant may create, whatever its writer asks: the organization's guardrails document, one JSON value
 * (template parameter {@code Guardrails}, environment {@code CROSSROLE_GUARDRAILS}). Keys left out take the safe
 * default; unknown keys are refused. Checked by {@link GuardrailCheck} before anything is written.
 *
 * <pre>{@code
 * Guardrails g = Guardrails.parse("{\"trustedExternalAccounts\": [\"444455556666\"]}");
 * g.forbiddenManagedPolicies(); // the defaults: AdministratorAccess, IAMFullAccess, PowerUserAccess, ...
 * }</pre>
 *
 * @param trustedExternalAccounts           accounts outside the organization a grant may trust ({@code *}: any); default none
 * @param externalAccountsRequireExternalId a trusted account outside the organization needs {@code externalId} (default true)
 * @param forbiddenManagedPolicies          managed policy ARN patterns a grant may not attach
 * @param forbiddenActions                  actions an inline Allow may not grant
 * @param requiredPermissionsBoundary       the boundary every role carries ({@code ${AccountId}} is the owner account)
 * @param protectedTargets                  account and OU IDs never targeted (besides the management account and
 *                                          Crossrole's own account, always protected)
 * @param allowManagementAccount            lifts the protection of the management account
 * @param maxSessionDurationCap             the longest {@code maxSessionDuration} a grant may ask for
 */
public record Guardrails(
        List<String> trustedExternalAccounts,
        boolean externalAccountsRequireExternalId,
        List<String> forbiddenManagedPolicies,
        List<ForbiddenAction> forbiddenActions,
        Optional<String> requiredPermissionsBoundary,
        List<String> protectedTargets,
        boolean allowManagementAccount,
        int maxSessionDurationCap) {

    /** AWS managed policies that grant IAM or Organizations write (or everything), in every partition. */
    public static final List<String> DEFAULT_FORBIDDEN_MANAGED_POLICIES = List.of(
            "arn:*:iam::aws:policy/AdministratorAccess",
            "arn:*:iam::aws:policy/AdministratorAccess-Amplify",
            "arn:*:iam::aws:policy/AdministratorAccess-AWSElasticBeanstalk",
            "arn:*:iam::aws:policy/IAMFullAccess",
            "arn:*:iam::aws:policy/PowerUserAccess",
            "arn:*:iam::aws:policy/AWSOrganizationsFullAccess",
            "arn:*:iam::aws:policy/AWSAccountManagementFullAccess",
            "arn:*:iam::aws:policy/job-function/SystemAdministrator",
            "arn:*:iam::aws:policy/AWSSSOMasterAccountAdministrator",
            "arn:*:iam::aws:policy/AWSSSOMemberAccountAdministrator");

    /**
     * Privilege escalation by an inline policy: writing IAM identities, policies and trust on any resource, passing
     * any role, assuming any role, and the organization and account settings. {@code "Action": "*"} and
     * {@code "iam:*"} are refused by these entries (they allow {@code organizations:*} and {@code iam:PassRole}).
     */
    public static final List<ForbiddenAction> DEFAULT_FORBIDDEN_ACTIONS = List.of(
            ForbiddenAction.parse("iam:Create* on *"),
            ForbiddenAction.parse("iam:Put* on *"),
            ForbiddenAction.parse("iam:Attach* on *"),
            ForbiddenAction.parse("iam:Update* on *"),
            ForbiddenAction.parse("iam:Add* on *"),
            ForbiddenAction.parse("iam:Set* on *"),
            ForbiddenAction.parse("iam:Delete*PermissionsBoundary on *"),
            ForbiddenAction.parse("iam:PassRole on *"),
            ForbiddenAction.parse("sts:AssumeRole on *"),
            ForbiddenAction.parse("organizations:*"),
            ForbiddenAction.parse("account:*"));

    public static final int MAX_SESSION = 43200;

    /** Every default: nothing outside the organization, no administrator or IAM-write policy, management account protected. */
    public static final Guardrails DEFAULT = new Guardrails(List.of(), true, DEFAULT_FORBIDDEN_MANAGED_POLICIES,
            DEFAULT_FORBIDDEN_ACTIONS, Optional.empty(), List.of(), false, MAX_SESSION);

    public static final String ANY = "*";
    private static final Set<String> KEYS = new TreeSet<>(Set.of("trustedExternalAccounts", "externalAccountsRequireExternalId",
            "forbiddenManagedPolicies", "forbiddenActions", "requiredPermissionsBoundary", "protectedTargets",
            "allowManagementAccount", "maxSessionDurationCap"));
    private static final Pattern BOUNDARY = Pattern.compile(
            "arn:[a-z-]+:iam::(\\d{12}|\\$\\{AccountId}):policy(/[\\w+=,.@-]+)*/[\\w+=,.@-]{1,128}");
    private static final Pattern TARGET = Pattern.compile("\\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32}");
    private static final Pattern POLICY_PATTERN = Pattern.compile("arn:[a-z*?-]+:iam::[a-z0-9*?]+:policy/[\\x21-\\x7E]+");
    private static final ObjectMapper JSON = new ObjectMapper();

    public Guardrails {
        trustedExternalAccounts = List.copyOf(trustedExternalAccounts);
        forbiddenManagedPolicies = List.copyOf(forbiddenManagedPolicies);
        forbiddenActions = List.copyOf(forbiddenActions);
        Objects.requireNonNull(requiredPermissionsBoundary);
        protectedTargets = List.copyOf(protectedTargets);
    }

    /** True when any account outside the organization may be trusted ({@code ["*"]}). */
    public boolean trustsAnyExternalAccount() {
        return trustedExternalAccounts.contains(ANY);
    }

    /**
     * Reads a guardrails document; blank means every default.
     *
     * @throws IllegalArgumentException naming every key that is unknown or malformed
     */
    public static Guardrails parse(String json) {
        if (json == null || json.isBlank()) {
            return DEFAULT;
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the guardrails document is not valid JSON: " + e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException("the guardrails document must be a JSON object with the keys " + String.join(", ", KEYS));
        }
        List<String> problems = new ArrayList<>();
        tree.fieldNames().forEachRemaining(key -> {
            if (!KEYS.contains(key)) {
                problems.add("unknown key '" + key + "' (the keys are " + String.join(", ", KEYS) + ")");
            }
        });
        List<String> external = strings(tree, "trustedExternalAccounts", DEFAULT.trustedExternalAccounts, problems, text -> {
            if (!text.equals(ANY) && !AccountId.isValid(text)) {
                throw new IllegalArgumentException("'" + text + "' is not a 12-digit account ID or *");
            }
            return text;
        });
        boolean requireExternalId = bool(tree, "externalAccountsRequireExternalId", DEFAULT.externalAccountsRequireExternalId, problems);
        List<String> policies = strings(tree, "forbiddenManagedPolicies", DEFAULT.forbiddenManagedPolicies, problems, text -> {
            if (!POLICY_PATTERN.matcher(text).matches()) {
                throw new IllegalArgumentException("'" + text + "' is not a managed policy ARN pattern such as arn:*:iam::aws:policy/AdministratorAccess");
            }
            return text;
        });
        List<ForbiddenAction> actions = strings(tree, "forbiddenActions", DEFAULT.forbiddenActions, problems, ForbiddenAction::parse);
        Optional<String> boundary = Optional.empty();
        JsonNode b = tree.get("requiredPermissionsBoundary");
        if (b != null && !b.isNull()) {
            if (!b.isTextual() || !BOUNDARY.matcher(b.asText()).matches()) {
                problems.add("requiredPermissionsBoundary must be a managed policy ARN (arn:aws:iam::${AccountId}:policy/Name"
                        + " or with a 12-digit account), got " + b);
            } else {
                boundary = Optional.of(b.asText());
            }
        }
        List<String> protectedTargets = strings(tree, "protectedTargets", DEFAULT.protectedTargets, problems, text -> {
            if (!TARGET.matcher(text).matches()) {
                throw new IllegalArgumentException("'" + text + "' is not an account ID, an OU ID (ou-…) or a root ID (r-…)");
            }
            return text;
        });
        boolean allowManagement = bool(tree, "allowManagementAccount", DEFAULT.allowManagementAccount, problems);
        int cap = DEFAULT.maxSessionDurationCap;
        JsonNode c = tree.get("maxSessionDurationCap");
        if (c != null && !c.isNull()) {
            if (!c.canConvertToInt() || !c.isIntegralNumber() || c.asInt() < 3600 || c.asInt() > MAX_SESSION) {
                problems.add("maxSessionDurationCap must be a whole number of seconds from 3600 to 43200, got " + c);
            } else {
                cap = c.asInt();
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("guardrails: " + String.join("; ", problems));
        }
        return new Guardrails(external, requireExternalId, policies, actions, boundary, protectedTargets, allowManagement, cap);
    }

    /** The document as JSON, every key with its value in force (defaults included), for operators to read. */
    public String toJson() {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode ext = out.putArray("trustedExternalAccounts");
        trustedExternalAccounts.forEach(ext::add);
        out.put("externalAccountsRequireExternalId", externalAccountsRequireExternalId);
        ArrayNode pol = out.putArray("forbiddenManagedPolicies");
        forbiddenManagedPolicies.forEach(pol::add);
        ArrayNode act = out.putArray("forbiddenActions");
        forbiddenActions.forEach(a -> act.add(a.toString()));
        requiredPermissionsBoundary.ifPresentOrElse(v -> out.put("requiredPermissionsBoundary", v), () -> out.putNull("requiredPermissionsBoundary"));
        ArrayNode prot = out.putArray("protectedTargets");
        protectedTargets.forEach(prot::add);
        out.put("allowManagementAccount", allowManagementAccount);
        out.put("maxSessionDurationCap", maxSessionDurationCap);
        try {
            return JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> List<T> strings(JsonNode tree, String key, List<T> fallback, List<String> problems,
                                       Function<String, T> read) {
        JsonNode node = tree.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isArray()) {
            problems.add(key + " must be a list of strings, got " + node);
            return fallback;
        }
        List<T> out = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                problems.add(key + " must hold strings, got " + item);
                continue;
            }
            try {
                out.add(read.apply(item.asText()));
            } catch (IllegalArgumentException e) {
                problems.add(key + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static boolean bool(JsonNode tree, String key, boolean fallback, List<String> problems) {
        JsonNode node = tree.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            problems.add(key + " must be true or false, got " + node);
            return fallback;
        }
        return node.asBoolean();
    }
}
