package io.crossrole.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * An AWS partition. Roles delegate only within one partition: a principal in {@code aws-cn}
 * cannot be trusted by a role in {@code aws}.
 */
public enum Partition {
    AWS("aws"),
    AWS_CN("aws-cn"),
    AWS_US_GOV("aws-us-gov"),
    AWS_ISO("aws-iso"),
    AWS_ISO_B("aws-iso-b"),
    AWS_ISO_E("aws-iso-e"),
    AWS_ISO_F("aws-iso-f"),
    AWS_EUSC("aws-eusc");

    private final String id;

    Partition(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Optional<Partition> fromId(String id) {
        return Arrays.stream(values()).filter(p -> p.id.equals(id)).findFirst();
    }

    /** The partition a region belongs to, e.g. {@code cn-north-1} → {@link #AWS_CN}. */
    public static Partition ofRegion(String region) {
        if (region.startsWith("cn-")) {
            return AWS_CN;
        }
        if (region.startsWith("us-gov-")) {
            return AWS_US_GOV;
        }
        if (region.startsWith("us-isob-")) {
            return AWS_ISO_B;
        }
        if (region.startsWith("us-isof-")) {
            return AWS_ISO_F;
        }
        if (region.startsWith("us-iso-")) {
            return AWS_ISO;
        }
        if (region.startsWith("eu-isoe-")) {
            return AWS_ISO_E;
        }
        if (region.startsWith("eusc-")) {
            return AWS_EUSC;
        }
        return AWS;
    }

    @Override
    public String toString() {
        return id;
    }
}
