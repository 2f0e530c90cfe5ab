package io.crossrole.model;

import java.util.Optional;

/**
 * An Amazon Resource Name split into its parts.
 *
 * <pre>{@code
 * Arn arn = Arn.parse("arn:aws:iam::111111111111:role/ops/UpdateApp").orElseThrow();
 * arn.service();   // "iam"
 * arn.resource();  // "role/ops/UpdateApp"
 * }</pre>
 */
public record Arn(String partition, String service, String region, String account, String resource) {

    public static Optional<Arn> parse(String text) {
        if (text == null || !text.startsWith("arn:")) {
            return Optional.empty();
        }
        String[] parts = text.split(":", 6);
        if (parts.length != 6 || parts[1].isEmpty() || parts[2].isEmpty() || parts[5].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Arn(parts[1], parts[2], parts[3], parts[4], parts[5]));
    }

    /** The ARN of a role: {@code arn:aws:iam::111111111111:role/path/Name}. */
    public static String role(Partition partition, AccountId account, String path, String roleName) {
        return "arn:" + partition.id() + ":iam::" + account.value() + ":role" + path + roleName;
    }

    /** The resource type, the part of {@link #resource()} before the first {@code /}. */
    public String resourceType() {
        int slash = resource.indexOf('/');
        return slash < 0 ? resource : resource.substring(0, slash);
    }

    /** The last path segment of the resource: a role's, user's or group's name. */
    public String resourceName() {
        int slash = resource.lastIndexOf('/');
        return slash < 0 ? resource : resource.substring(slash + 1);
    }

    @Override
    public String toString() {
        return "arn:" + partition + ":" + service + ":" + region + ":" + account + ":" + resource;
    }
}
