package io.crossrole.aws;

import io.crossrole.config.CrossroleConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * The one place SDK clients are made: one shared url-connection HTTP client, the standard retry mode,
 * the configured region and endpoint, and any interceptors (tests count and inject faults with them).
 *
 * <pre>{@code
 * AwsClientFactory clients = AwsClientFactory.create(config, List.of());
 * IamClient iam = clients.iam(credentialsForAccount);
 * }</pre>
 */
public final class AwsClientFactory implements AutoCloseable {
    private final SdkHttpClient http;
    private final Region region;
    private final Optional<URI> endpoint;
    private final List<ExecutionInterceptor> interceptors;
    private final AwsCredentialsProvider baseCredentials;
    private final Consumer<ClientOverrideConfiguration.Builder> retry;

    private AwsClientFactory(CrossroleConfig config, List<ExecutionInterceptor> interceptors,
                             Consumer<ClientOverrideConfiguration.Builder> retry) {
        this.http = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(Duration.ofSeconds(30))
                .build();
        this.region = Region.of(config.region());
        this.endpoint = config.endpointOverride();
        this.interceptors = List.copyOf(interceptors);
        this.baseCredentials = DefaultCredentialsProvider.builder().build();
        this.retry = retry;
    }

    public static AwsClientFactory create(CrossroleConfig config, List<ExecutionInterceptor> interceptors) {
        return new AwsClientFactory(config, interceptors, b -> b.retryStrategy(RetryMode.STANDARD));
    }

    /**
     * As {@link #create(CrossroleConfig, List)} with another retry strategy, a new one per client as the standard mode
     * makes: the tests that inject faults at high rates keep the standard strategy's attempts, classification and retry
     * quota but not its waits.
     *
     * <pre>{@code
     * AwsClientFactory.create(config, List.of(), () -> AwsRetryStrategy.standardRetryStrategy().toBuilder()
     *         .backoffStrategy(BackoffStrategy.retryImmediately()).build());
     * }</pre>
     */
    public static AwsClientFactory create(CrossroleConfig config, List<ExecutionInterceptor> interceptors,
                                          Supplier<RetryStrategy> strategy) {
        return new AwsClientFactory(config, interceptors, b -> b.retryStrategy(strategy.get()));
    }

    /** The function's own credentials: the first link of every role chain. */
    public AwsCredentialsProvider baseCredentials() {
        return baseCredentials;
    }

    public DynamoDbClient dynamoDb() {
        return configure(DynamoDbClient.builder(), region, baseCredentials).build();
    }

    public DynamoDbStreamsClient dynamoDbStreams() {
        return configure(DynamoDbStreamsClient.builder(), region, baseCredentials).build();
    }

    /** Organizations is global: its endpoint lives in us-east-1 (aws) or the partition's home region. */
    public OrganizationsClient organizations() {
        return configure(OrganizationsClient.builder(), region, baseCredentials).build();
    }

    /**
     * A client for a service only some functions use, configured like the rest (the function's credentials,
     * region, HTTP client, retries). The caller names the builder, so that the SDK jar of that service is needed
     * only by the functions that call this for it (this class refers to no such service).
     *
     * <pre>{@code
     * SqsClient sqs = clients.client(SqsClient.builder());
     * }</pre>
     */
    public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder) {
        return configure(builder, region, baseCredentials).build();
    }

    /** A client of any service acting with {@code credentials} (an account's assumed role), built like the others. */
    public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder, AwsCredentialsProvider credentials) {
        return configure(builder, region, credentials).build();
    }

    /** True when the clients talk to an emulator (AWS_ENDPOINT_URL): S3 then needs path-style addressing. */
    public boolean emulated() {
        return endpoint.isPresent();
    }

    public StsClient sts(AwsCredentialsProvider credentials) {
        return configure(StsClient.builder(), region, credentials).build();
    }

    /** IAM is global: its endpoint lives in the partition's global region. */
    public IamClient iam(AwsCredentialsProvider credentials) {
        Region global = switch (region.metadata() == null ? "aws" : region.metadata().partition().id()) {
            case "aws-cn" -> Region.AWS_CN_GLOBAL;
            case "aws-us-gov" -> Region.AWS_US_GOV_GLOBAL;
            default -> Region.AWS_GLOBAL;
        };
        return configure(IamClient.builder(), global, credentials).build();
    }

    private <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(
            B builder, Region clientRegion, AwsCredentialsProvider credentials) {
        builder.region(clientRegion)
                .credentialsProvider(credentials)
                .httpClient(http)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .applyMutation(retry)
                        .executionInterceptors(interceptors)
                        .build());
        endpoint.ifPresent(builder::endpointOverride);
        return builder;
    }

    @Override
    public void close() {
        http.close();
    }
}
