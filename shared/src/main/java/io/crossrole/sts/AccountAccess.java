package io.crossrole.sts;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.failure.AwsFailures;
import io.crossrole.failure.ProvisioningException;
import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import io.crossrole.model.Partition;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
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

    public Partition partition() {
        return config.partition();
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
        Reach reach = accounts.get(account);
        if (reach == null) {
            reach = reach(account);
            Reach raced = accounts.putIfAbsent(account, reach);
            if (raced != null) {
                reach.credentials().close();
                reach.iam().close();
                reach = raced;
            }
        }
        return reach.iam();
    }

    /**
     * The member role's credentials in {@code account} (reaching it first, as {@link #iam} does), for clients of other
     * services there (resource policies).
     */
    public AwsCredentialsProvider credentials(AccountId account) {
        iam(account);
        return accounts.get(account).credentials();
    }

    private Reach reach(AccountId account) {
        String roleArn = memberRoleArn(account);
        StsAssumeRoleCredentialsProvider provider = StsAssumeRoleCredentialsProvider.builder()
                .stsClient(memberSts)
                .refreshRequest(r -> r.roleArn(roleArn).roleSessionName(sessionName).durationSeconds(CHAINED_SESSION_SECONDS))
                .build();
        try {
            backoff.retry(provider::resolveCredentials, e ->
                    AwsFailures.errorCode(e).filter("AccessDenied"::equals).isPresent() || AwsFailures.isRetryable(e));
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
