package io.crossrole.role;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crossrole.role.RoleOperation.AttachManagedPolicy;
import io.crossrole.role.RoleOperation.CreateRole;
import io.crossrole.role.RoleOperation.DeleteInlinePolicy;
import io.crossrole.role.RoleOperation.DeletePermissionsBoundary;
import io.crossrole.role.RoleOperation.DeleteRole;
import io.crossrole.role.RoleOperation.DetachManagedPolicy;
import io.crossrole.role.RoleOperation.PutInlinePolicy;
import io.crossrole.role.RoleOperation.PutPermissionsBoundary;
import io.crossrole.role.RoleOperation.RemoveFromInstanceProfile;
import io.crossrole.role.RoleOperation.TagRole;
import io.crossrole.role.RoleOperation.UntagRole;
import io.crossrole.role.RoleOperation.UpdateRole;
import io.crossrole.role.RoleOperation.UpdateTrustPolicy;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * How a role differs from its grant, in words, e.g. {@code attached arn:aws:iam::aws:policy/AdministratorAccess
 * not in grant}. Derived from the very plan provisioning would apply, so drift and repair never disagree.
 *
 * <pre>{@code
 * List<String> drift = RoleDrift.describe(actual, desired); // empty when in sync
 * }</pre>
 */
public final class RoleDrift {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** IAM shows a unique ID instead of an ARN once the principal it named was deleted. */
    private static final Pattern UNIQUE_ID = Pattern.compile("(AROA|AIDA|AGPA|ANPA)[A-Z0-9]{12,}");

    private RoleDrift() {
    }

    public static List<String> describe(ActualRole actual, DesiredRole desired) {
        List<String> out = new ArrayList<>();
        PlanDecision decision = RolePlanner.reconcile(actual, desired);
        if (decision instanceof PlanDecision.Conflict conflict) {
            return List.of(conflict.message());
        }
        for (RoleOperation op : ((PlanDecision.Apply) decision).plan().operations()) {
            switch (op) {
                case UpdateTrustPolicy u -> out.addAll(trust(actual.trustPolicy(), desired.trustPolicy()));
                case UpdateRole u -> {
                    if (!actual.description().orElse("").equals(desired.description())) {
                        out.add("description is '" + actual.description().orElse("") + "', grant says '" + desired.description() + "'");
                    }
                    if (actual.maxSessionDuration() != desired.maxSessionDuration()) {
                        out.add("max session is " + actual.maxSessionDuration() + " s, grant says " + desired.maxSessionDuration() + " s");
                    }
                }
                case PutPermissionsBoundary p -> out.add(actual.permissionsBoundaryArn()
                        .map(b -> "permissions boundary is " + b + ", grant says " + p.policyArn())
                        .orElse("permissions boundary " + p.policyArn() + " from the grant is missing"));
                case DeletePermissionsBoundary d -> out.add("permissions boundary "
                        + actual.permissionsBoundaryArn().orElse("?") + " not in grant");
                case PutInlinePolicy p -> out.add(actual.inlinePolicies().containsKey(p.name())
                        ? "inline policy " + p.name() + " differs from the grant"
                        : "inline policy " + p.name() + " from the grant is missing");
                case DeleteInlinePolicy d -> out.add("inline policy " + d.name() + " not in grant");
                case AttachManagedPolicy a -> out.add("managed policy " + a.policyArn() + " from the grant is not attached");
                case DetachManagedPolicy d -> out.add("attached " + d.policyArn() + " not in grant");
                case TagRole t -> new java.util.TreeMap<>(t.tags()).forEach((k, v) -> out.add(actual.tags().containsKey(k)
                        ? "tag " + k + " is '" + actual.tags().get(k) + "', grant says '" + v + "'"
                        : "tag " + k + "=" + v + " from the grant is missing"));
                case UntagRole u -> new TreeSet<>(u.keys()).forEach(k -> out.add("tag " + k + "=" + actual.tags().get(k) + " not in grant"));
                case DeleteRole d -> out.add("path is " + actual.path() + ", grant says " + desired.path() + " (the role must be recreated)");
                case CreateRole c -> { }
                case RemoveFromInstanceProfile r -> { }
            }
        }
        return out;
    }

    /** Principals IAM replaced by unique IDs: each means a trusted principal was deleted (and perhaps recreated). */
    public static List<String> brokenPrincipals(String trustPolicy) {
        List<String> ids = new ArrayList<>();
        principals(trustPolicy).stream().filter(p -> UNIQUE_ID.matcher(p).matches()).forEach(ids::add);
        return ids;
    }

    private static List<String> trust(String actual, String desired) {
        List<String> out = new ArrayList<>();
        TreeSet<String> have = new TreeSet<>(principals(actual));
        TreeSet<String> want = new TreeSet<>(principals(desired));
        List<String> broken = brokenPrincipals(actual);
        TreeSet<String> lacking = new TreeSet<>(want);
        lacking.removeAll(have);
        if (!broken.isEmpty()) {
            out.add("trust policy shows unique ID " + String.join(", ", broken) + " where the grant names "
                    + String.join(", ", lacking) + ": the principal was deleted (and perhaps recreated), so the trust is broken");
        } else {
            lacking.forEach(p -> out.add("trust policy lacks principal " + p + " from the grant"));
        }
        have.stream().filter(p -> !want.contains(p) && !broken.contains(p))
                .forEach(p -> out.add("trust policy trusts " + p + ", not in grant"));
        Map<String, Set<String>> haveConditions = conditions(actual);
        Map<String, Set<String>> wantConditions = conditions(desired);
        Set<String> keys = new TreeSet<>(haveConditions.keySet());
        keys.addAll(wantConditions.keySet());
        for (String key : keys) {
            if (!haveConditions.containsKey(key)) {
                out.add("trust policy lacks condition " + key + " from the grant");
            } else if (!wantConditions.containsKey(key)) {
                out.add("trust policy has condition " + key + ", not in grant");
            } else if (!haveConditions.get(key).equals(wantConditions.get(key))) {
                out.add("trust policy condition " + key + " has another value than the grant's (values are not shown)");
            }
        }
        if (out.isEmpty()) {
            out.add("trust policy differs from the grant");
        }
        return out;
    }

    private static List<String> principals(String policy) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : statements(policy)) {
            JsonNode aws = s.path("Principal").path("AWS");
            if (aws.isArray()) {
                aws.forEach(p -> out.add(p.asText()));
            } else if (aws.isTextual()) {
                out.add(aws.asText());
            }
        }
        return out;
    }

    /** Each condition as "operator key" with its values; the values are compared, never printed. */
    private static Map<String, Set<String>> conditions(String policy) {
        Map<String, Set<String>> out = new TreeMap<>();
        statements(policy).forEach(s -> s.path("Condition").fields().forEachRemaining(operator ->
                operator.getValue().fields().forEachRemaining(key -> {
                    Set<String> values = out.computeIfAbsent(operator.getKey() + " " + key.getKey(), k -> new TreeSet<>());
                    if (key.getValue().isArray()) {
                        key.getValue().forEach(v -> values.add(v.asText()));
                    } else {
                        values.add(key.getValue().asText());
                    }
                })));
        return out;
    }

    private static List<JsonNode> statements(String policy) {
        try {
            JsonNode statements = JSON.readTree(io.crossrole.policy.PolicyDocuments.canonical(policy)).path("Statement");
            List<JsonNode> out = new ArrayList<>();
            Iterator<JsonNode> it = statements.isArray() ? statements.elements() : List.of(statements).iterator();
            it.forEachRemaining(out::add);
            return out;
        } catch (java.io.IOException | RuntimeException e) {
            return List.of();
        }
    }
}
