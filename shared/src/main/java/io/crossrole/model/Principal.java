package io.crossrole.model;

import java.util.regex.Pattern;

/**
 * A principal a role may trust: a whole account, an IAM role or an IAM user. IAM groups cannot be
 * principals and {@code *} is never accepted.
 *
 * <pre>{@code
 * Principal dev = Principal.parse("222222222222", Partition.AWS);
 * dev.arn(); // "arn:aws:iam::222222222222:root"
 * }</pre>
 */
public sealed interface Principal permits Principal.AccountRoot, Principal.Role, Principal.User {

    /** The ARN as IAM stores it in a trust policy. */
    String arn();

    AccountId account();

    Partition partition();

    record AccountRoot(Partition partition, AccountId account) implements Principal {
        @Override
        public String arn() {
            return "arn:" + partition.id() + ":iam::" + account.value() + ":root";
        }
    }

    record Role(Partition partition, AccountId account, String path, String name) implements Principal {
        @Override
        public String arn() {
            return "arn:" + partition.id() + ":iam::" + account.value() + ":role" + path + name;
        }
    }

    record User(Partition partition, AccountId account, String path, String name) implements Principal {
        @Override
        public String arn() {
            return "arn:" + partition.id() + ":iam::" + account.value() + ":user" + path + name;
        }
    }

    Pattern NAME = Pattern.compile("[\\w+=,.@-]{1,64}");

    /**
     * Parses a principal as written in a grant. A bare account ID takes the given partition.
     *
     * @throws IllegalArgumentException with a message a human understands
     */
    static Principal parse(String text, Partition ownerPartition) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("must not be empty");
        }
        if (text.contains("*")) {
            throw new IllegalArgumentException("'" + text + "': wildcards are not allowed: a trust policy must name its principals");
        }
        if (AccountId.isValid(text)) {
            return new AccountRoot(ownerPartition, AccountId.of(text));
        }
        Arn arn = Arn.parse(text).orElseThrow(() -> new IllegalArgumentException(
                "'" + text + "' is neither a 12-digit account ID nor an IAM ARN (arn:aws:iam::ACCOUNT:root, :role/NAME or :user/NAME)"));
        Partition partition = Partition.fromId(arn.partition()).orElseThrow(() -> new IllegalArgumentException(
                "'" + text + "': unknown partition '" + arn.partition() + "'"));
        if (partition != ownerPartition) {
            throw new IllegalArgumentException("'" + text + "' is in partition " + partition.id()
                    + " but the owner accounts are in " + ownerPartition.id() + ": roles delegate only within a partition");
        }
        if (!arn.service().equals("iam") || !arn.region().isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' is not an IAM principal ARN (arn:" + ownerPartition.id() + ":iam::ACCOUNT:…)");
        }
        if (!AccountId.isValid(arn.account())) {
            throw new IllegalArgumentException("'" + text + "': the account part must be 12 digits");
        }
        AccountId account = AccountId.of(arn.account());
        String type = arn.resourceType();
        switch (type) {
            case "root" -> {
                if (!arn.resource().equals("root")) {
                    throw new IllegalArgumentException("'" + text + "': an account principal ends in ':root'");
                }
                return new AccountRoot(partition, account);
            }
            case "group" -> throw new IllegalArgumentException("'" + text + "': groups cannot be principals in IAM; "
                    + "trust the account and grant the group with granteeAttach instead");
            case "role", "user" -> {
                String rest = arn.resource().substring(type.length());
                int last = rest.lastIndexOf('/');
                String path = rest.substring(0, last + 1);
                String name = rest.substring(last + 1);
                if (!path.startsWith("/") || !NAME.matcher(name).matches() || !IamNames.isValidPath(path)) {
                    throw new IllegalArgumentException("'" + text + "': malformed " + type + " ARN");
                }
                return type.equals("role") ? new Role(partition, account, path, name) : new User(partition, account, path, name);
            }
            default -> throw new IllegalArgumentException("'" + text + "': '" + type
                    + "' principals are not supported; use an account ID, :root, :role/NAME or :user/NAME");
        }
    }
}
