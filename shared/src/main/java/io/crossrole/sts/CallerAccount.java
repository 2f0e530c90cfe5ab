package io.crossrole.sts;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.model.AccountId;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * The account Crossrole runs in: {@code CROSSROLE_ACCOUNT_ID} when set (the template sets it), else asked of STS
 * once ({@code GetCallerIdentity} with the function's own credentials) and kept.
 *
 * <pre>{@code
 * Supplier<AccountId> own = CallerAccount.of(config, clients);
 * }</pre>
 */
public final class CallerAccount implements Supplier<AccountId> {
    private final CrossroleConfig config;
    private final AwsClientFactory clients;
    private volatile AccountId account;

    private CallerAccount(CrossroleConfig config, AwsClientFactory clients) {
        this.config = config;
        this.clients = clients;
    }

    public static CallerAccount of(CrossroleConfig config, AwsClientFactory clients) {
        return new CallerAccount(config, clients);
    }

    @Override
    public AccountId get() {
        AccountId known = account;
        if (known == null) {
            known = config.crossroleAccountId().orElseGet(() -> {
                try (StsClient sts = clients.sts(clients.baseCredentials())) {
                    return AccountId.of(sts.getCallerIdentity().account());
                }
            });
            account = known;
        }
        return known;
    }
}
