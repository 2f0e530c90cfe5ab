package io.crossrole.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;

/**
 * Records every AWS call made through clients it is installed on, as {@code Service:Operation}, and can
 * fail chosen calls: the instrument for "zero IAM writes" and "crash between two writes" tests.
 */
public final class AwsCalls implements ExecutionInterceptor {
    private static final Pattern CREDENTIAL = Pattern.compile("Credential=([^/,\\s]+)/");
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final List<String> assumed = new CopyOnWriteArrayList<>();
    private volatile Predicate<String> failWhen = call -> false;
    private volatile int failuresLeft;
    private volatile RuntimeException failure;
    private volatile Predicate<Object> failRequest = request -> false;
    private volatile RuntimeException requestFailure;

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String call = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + ":"
                + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        calls.add(call);
        if (requestFailure != null && failRequest.test(context.request())) {
            throw requestFailure;
        }
        if (failuresLeft > 0 && failWhen.test(call)) {
            failuresLeft--;
            throw failure;
        }
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        if (context.request() instanceof AssumeRoleRequest assume) {
            String authorization = context.httpRequest().firstMatchingHeader("Authorization").orElse("");
            Matcher key = CREDENTIAL.matcher(authorization);
            assumed.add(assume.roleArn() + " by " + (key.find() ? key.group(1) : "?"));
        }
    }

    /** Each AssumeRole sent, as {@code ROLE_ARN by ACCESS_KEY_ID_THAT_SIGNED_IT}: shows the chain's links. */
    public List<String> assumedRoles() {
        return List.copyOf(assumed);
    }

    /** Throws {@code error} on the next {@code times} calls that match. */
    public void failNext(Predicate<String> which, int times, RuntimeException error) {
        this.failWhen = which;
        this.failure = error;
        this.failuresLeft = times;
    }

    /** Throws {@code error} on every call whose request matches, e.g. AssumeRole into one account. */
    public void failRequests(Predicate<Object> which, RuntimeException error) {
        this.failRequest = which;
        this.requestFailure = error;
    }

    public List<String> all() {
        return List.copyOf(calls);
    }

    /** IAM calls that change something: everything but Get*, List* and Simulate*. */
    public List<String> iamWrites() {
        return calls.stream().filter(AwsCalls::isIamWrite).toList();
    }

    public static boolean isIamWrite(String call) {
        if (!call.startsWith("Iam:")) {
            return false;
        }
        String op = call.substring(4);
        return !(op.startsWith("Get") || op.startsWith("List") || op.startsWith("Simulate"));
    }

    public long count(String call) {
        return calls.stream().filter(call::equals).count();
    }

    public void clear() {
        calls.clear();
        assumed.clear();
    }
}
