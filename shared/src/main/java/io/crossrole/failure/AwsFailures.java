package io.crossrole.failure;

import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/** Tells passing AWS faults from permanent ones, and finds the AWS error code behind an exception. */
public final class AwsFailures {
    private static final Set<String> RETRYABLE_CODES = Set.of("Throttling", "ThrottlingException",
            "TooManyRequestsException", "RequestLimitExceeded", "ServiceFailure", "ServiceUnavailable",
            "InternalFailure", "InternalError", "ConcurrentModification", "ConcurrentModificationException",
            "ProvisionedThroughputExceededException", "RequestTimeout", "RequestExpired");

    private AwsFailures() {
    }

    public static Optional<String> errorCode(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof AwsServiceException e && e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null) {
                return Optional.of(e.awsErrorDetails().errorCode());
            }
        }
        return Optional.empty();
    }

    public static Optional<AwsServiceException> serviceException(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof AwsServiceException e) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Throttling, 5xx, and client-side faults (network, timeouts) pass; anything else is permanent. */
    public static boolean isRetryable(Throwable t) {
        Optional<AwsServiceException> service = serviceException(t);
        if (service.isPresent()) {
            AwsServiceException e = service.get();
            return e.isThrottlingException() || e.statusCode() >= 500
                    || errorCode(e).map(RETRYABLE_CODES::contains).orElse(false);
        }
        return t instanceof SdkClientException || (t instanceof SdkException e && e.retryable());
    }

    /** The service's own message, without the SDK's request IDs. */
    public static String message(Throwable t) {
        return serviceException(t)
                .map(e -> e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
                        ? errorCode(e).map(c -> c + ": ").orElse("") + e.awsErrorDetails().errorMessage()
                        : e.getMessage())
                .orElseGet(() -> t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    }
}
