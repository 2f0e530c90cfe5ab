package io.crossrole.failure;

/**
 * Why an assignment could not be brought to its desired state, in words for the person reading its status.
 * {@link #isRetryable()} tells a passing fault (throttling, a 5xx, an account not yet assumable), which the
 * event source retries, from a permanent one (an invalid principal, a policy that does not exist), which
 * is recorded as FAILED and never retried.
 */
public class ProvisioningException extends RuntimeException {
    private final boolean retryable;

    public ProvisioningException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public static ProvisioningException permanent(String message, Throwable cause) {
        return new ProvisioningException(message, false, cause);
    }

    public static ProvisioningException retryable(String message, Throwable cause) {
        return new ProvisioningException(message, true, cause);
    }

    public boolean isRetryable() {
        return retryable;
    }
}
