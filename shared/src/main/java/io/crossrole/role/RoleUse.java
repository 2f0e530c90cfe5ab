package io.crossrole.role;

import java.time.Instant;
import java.util.Optional;

/**
 * When a role was last used, as IAM's {@code RoleLastUsed} reports it (tracked for about the last 400 days; a role
 * never used, or not within that window, has none).
 *
 * <pre>{@code
 * RoleUse use = new RoleUse(Instant.parse("2026-11-30T09:12:00Z"), Optional.of("eu-west-1"));
 * }</pre>
 *
 * @param region the Region it was used in, when IAM says
 */
public record RoleUse(Instant at, Optional<String> region) {
}
