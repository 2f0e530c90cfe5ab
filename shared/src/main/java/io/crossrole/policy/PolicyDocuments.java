package io.crossrole.policy;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Function;
import software.amazon.awssdk.policybuilder.iam.IamCondition;
import software.amazon.awssdk.policybuilder.iam.IamPolicy;
import software.amazon.awssdk.policybuilder.iam.IamStatement;

/**
 * Reads and compares IAM policy documents by meaning, not by text: IAM returns documents URL-encoded
 * and may reorder their lists, so {@code {"Action":"s3:GetObject"}} equals {@code {"Action":["s3:GetObject"]}}.
 *
 * <pre>{@code
 * PolicyDocuments.equivalent(fromIam, desired); // true when they grant the same thing
 * }</pre>
 */
public final class PolicyDocuments {
    public static final String VERSION = "2012-10-17";

    private PolicyDocuments() {
    }

    /** Parses a document as IAM or a user wrote it, URL-encoded or not. */
    public static IamPolicy parse(String document) {
        String text = document.strip();
        if (text.startsWith("%7B") || text.startsWith("%7b")) {
            text = URLDecoder.decode(text, StandardCharsets.UTF_8);
        }
        return IamPolicy.fromJson(text);
    }

    /** A canonical JSON form: lists sorted and de-duplicated, statements in a stable order. */
    public static String canonical(String document) {
        return canonical(parse(document));
    }

    public static String canonical(IamPolicy policy) {
        List<IamStatement> statements = policy.statements().stream()
                .map(PolicyDocuments::canonicalStatement)
                .sorted(Comparator.comparing(s -> IamPolicy.create(List.of(s)).toJson()))
                .distinct()
                .toList();
        return IamPolicy.builder()
                .version(policy.version() == null ? VERSION : policy.version())
                .id(policy.id())
                .statements(statements)
                .build()
                .toJson();
    }

    public static boolean equivalent(String a, String b) {
        if (a == null || b == null) {
            return a == b;
        }
        return canonical(a).equals(canonical(b));
    }

    /** Characters IAM counts against its size quotas: everything but white space. */
    public static int sizeWithoutWhitespace(String document) {
        return (int) document.chars().filter(c -> !Character.isWhitespace(c)).count();
    }

    private static IamStatement canonicalStatement(IamStatement s) {
        return s.toBuilder()
                .principals(sorted(s.principals(), p -> p.type().value() + "\u0000" + p.id()))
                .notPrincipals(sorted(s.notPrincipals(), p -> p.type().value() + "\u0000" + p.id()))
                .actions(sorted(s.actions(), a -> a.value()))
                .notActions(sorted(s.notActions(), a -> a.value()))
                .resources(sorted(s.resources(), r -> r.value()))
                .notResources(sorted(s.notResources(), r -> r.value()))
                .conditions(sorted(s.conditions(), PolicyDocuments::conditionKey))
                .build();
    }

    private static String conditionKey(IamCondition c) {
        return c.operator().value() + "\u0000" + c.key().value() + "\u0000" + c.value();
    }

    private static <T> List<T> sorted(Collection<T> items, Function<T, String> key) {
        TreeMap<String, T> unique = new TreeMap<>();
        items.forEach(item -> unique.putIfAbsent(key.apply(item), item));
        return List.copyOf(unique.values());
    }

}
