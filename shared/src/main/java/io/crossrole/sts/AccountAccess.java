package io.crossrole.sts;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.failure.AwsFailures;
import io.crossrole.failure.ProvisioningException;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * Reaches owner accounts by STS role chaining: the function's credentials, then the hub role when one is
 * configured, then the member role in the account. One {@link StsAssumeRoleCredentialsProvider} per account,
 * cached for the life of the function and refreshed by the SDK before its session expires. Sessions last
 * one hour, the most a chained session may.
 *
 * <pre>{@code
 * IamClient iam = access.iam(AccountId.of("111111111111")); // AssumeRole happens here, once
 * }</pre>
 */
public final class AccountAccess implements AutoCloseable {
    /** The longest session STS grants to a chained AssumeRole. */
    public static final int CHAINED_SESSION_SECONDS = 3600;

    private final AwsClientFactory clients;
    private final CrossroleConfig config;
    private final Backoff backoff;
    private final String sessionName;
    private final StsClient memberSts;
    private final Optional<StsAssumeRoleCredentialsProvider> hub;
    private final Map<AccountId, Reach> accounts = new ConcurrentHashMap<>();

    private record Reach(StsAssumeRoleCredentialsProvider credentials, IamClient iam) {
    }

    /**
     * @param sessionName names the sessions in CloudTrail, e.g. {@code crossrole-grant-stream}
     */
    public AccountAccess(AwsClientFactory clients, CrossroleConfig config, Backoff backoff, String sessionName) {
        this.clients = clients;
        this.config = config;
        this.backoff = backoff;
        this.sessionName = sessionName;
        StsClient baseSts = clients.sts(clients.baseCredentials());
        this.hub = config.hubRoleArn().map(arn -> StsAssumeRoleCredentialsProvider.builder()
                .stsClient(baseSts)
                .refreshRequest(r -> r.roleArn(arn).roleSessionName(sessionName).durationSeconds(CHAINED_SESSION_SECONDS))
                .build());
        this.memberSts = hub.<StsClient>map(clients::sts).orElse(baseSts);
    }

    public String memberRoleArn(AccountId account) {
        return Arn.role(config.partition(), account, "/", config.memberRoleName());
    }

    /**
     * An IAM client acting in {@code account}. The first call assumes the member role, retrying
     * {@code AccessDenied} (an account whose role IAM does not yet show everywhere) within the configured window.
     *
     * @throws ProvisioningException (retryable) when the account cannot be reached
     */
    public IamClient iam(AccountId account) {
        return iam(account, backoff, reason -> { });
    }

    /**
     * Waits up to {@code window} for an account to accept the member role (a just-created account takes
     * minutes), calling {@code onDenied} once with the reason at the first denial, so that callers can show
     * it (as PENDING) while they wait.
     *
     * @throws ProvisioningException (retryable) when the account is still not reachable after the window
     */
    public IamClient awaitReady(AccountId account, java.time.Duration window, java.util.function.Consumer<String> onDenied) {
        return iam(account, backoff.withWindow(window), onDenied);
    }

    private IamClient iam(AccountId account, Backoff patience, java.util.function.Consumer<String> onDenied) {
        Reach reach = accounts.get(account);
        if (reach == null) {
            reach = reach(account, patience, onDenied);
            Reach raced = accounts.putIfAbsent(account, reach);
            if (raced != null) {
                reach.credentials().close();
                reach.iam().close();
                reach = raced;
            }
        }
        return reach.iam();
    }

    private Reach reach(AccountId account, Backoff patience, java.util.function.Consumer<String> onDenied) {
        String roleArn = memberRoleArn(account);
        StsAssumeRoleCredentialsProvider provider = StsAssumeRoleCredentialsProvider.builder()
                .stsClient(memberSts)
                .refreshRequest(r -> r.roleArn(roleArn).roleSessionName(sessionName).durationSeconds(CHAINED_SESSION_SECONDS))
                .build();
        boolean[] told = {false};
        try {
            patience.retry(provider::resolveCredentials, e -> {
                boolean denied = AwsFailures.errorCode(e).filter("AccessDenied"::equals).isPresent();
                if (denied && !told[0]) {
                    told[0] = true;
                    onDenied.accept("waiting for account " + account + " to accept " + roleArn + ": " + AwsFailures.message(e));
                }
                return denied || AwsFailures.isRetryable(e);
            });
        } catch (RuntimeException e) {
            provider.close();
            String via = hub.isPresent() ? " via hub role " + config.hubRoleArn().orElseThrow() : "";
            throw ProvisioningException.retryable("cannot assume " + roleArn + via + ": " + AwsFailures.message(e)
                    + ". A new account may not be ready yet; an account that joined by invitation needs the role "
                    + config.memberRoleName() + " trusting this organization's management account", e);
        }
        return new Reach(provider, clients.iam(provider));
    }

    @Override
    public void close() {
        accounts.values().forEach(r -> {
            r.iam().close();
            r.credentials().close();
        });
        accounts.clear();
        hub.ifPresent(StsAssumeRoleCredentialsProvider::close);
    }
}
