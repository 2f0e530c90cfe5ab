package io.crossrole.provision;

import io.crossrole.store.AssignmentStatus;
import java.util.Optional;

/**
 * What happened to one grant in one account (or to one grantee attachment).
 *
 * @param retry true when a passing fault stopped the work: the event must be delivered again
 * @param iamWrites how many IAM writes were made
 */
public record AccountResult(String key, AssignmentStatus status, Optional<String> roleArn, String message,
                            boolean retry, int iamWrites) {
}
