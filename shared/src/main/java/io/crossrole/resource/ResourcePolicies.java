package io.crossrole.resource;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.failure.AwsFailures;
import io.crossrole.failure.ProvisioningException;
import io.crossrole.grant.PolicyHolder;
import io.crossrole.model.AccountId;
import io.crossrole.sts.AccountAccess;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.NotFoundException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * Reads and writes the resource policies of S3 buckets, SQS queues and SNS topics in an owner account, through the
 * member role (the only class that calls those services). A resource that is not in the account reads as
 * {@link Read.Missing}; a resource with no policy as {@link Read.Policy} with no document.
 *
 * <pre>{@code
 * ResourcePolicies.Read read = policies.read(prod, new PolicyHolder.Queue("us-east-1", prod, "orders"));
 * }</pre>
 */
public final class ResourcePolicies {
    private final AccountAccess access;
    private final AwsClientFactory clients;
    private final Map<String, SdkClient> byAccount = new ConcurrentHashMap<>();

    public ResourcePolicies(AccountAccess access, AwsClientFactory clients) {
        this.access = access;
        this.clients = clients;
    }

    /** What a read found. */
    public sealed interface Read {
        /** The resource exists; its policy document, if it has one. */
        record Policy(Optional<String> document) implements Read {
        }

        /** The resource is not in this account (absent, or owned by another). */
        record Missing(String why) implements Read {
        }
    }

    /** @throws ProvisioningException when the service cannot be read (retryable when passing) */
    public Read read(AccountId account, PolicyHolder holder) {
        try {
            return switch (holder) {
                case PolicyHolder.Bucket b -> bucket(account, b);
                case PolicyHolder.Queue q -> {
                    Optional<String> url = queueUrl(account, q);
                    yield url.<Read>map(u -> new Read.Policy(Optional.ofNullable(sqs(account).getQueueAttributes(r -> r.queueUrl(u)
                            .attributeNames(QueueAttributeName.POLICY)).attributes().get(QueueAttributeName.POLICY)).filter(p -> !p.isBlank())))
                            .orElseGet(() -> new Read.Missing("queue " + q.name() + " does not exist in account " + account));
                }
                case PolicyHolder.Topic t -> {
                    try {
                        String policy = sns(account).getTopicAttributes(r -> r.topicArn(t.arn(partition()))).attributes().get("Policy");
                        yield new Read.Policy(Optional.ofNullable(policy).filter(p -> !p.isBlank()));
                    } catch (NotFoundException e) {
                        yield new Read.Missing("topic " + t.name() + " does not exist in account " + account);
                    }
                }
            };
        } catch (SdkException e) {
            throw new ProvisioningException("cannot read the policy of " + holder.arn(partition()) + ": " + AwsFailures.message(e),
                    AwsFailures.isRetryable(e), e);
        }
    }

    /** Writes the whole policy (one call). */
    public void put(AccountId account, PolicyHolder holder, String document) {
        try {
            switch (holder) {
                case PolicyHolder.Bucket b -> s3(account).putBucketPolicy(r -> r.bucket(b.name()).policy(document)
                        .expectedBucketOwner(account.value()));
                case PolicyHolder.Queue q -> sqs(account).setQueueAttributes(r -> r.queueUrl(queueUrl(account, q).orElseThrow())
                        .attributes(Map.of(QueueAttributeName.POLICY, document)));
                case PolicyHolder.Topic t -> sns(account).setTopicAttributes(r -> r.topicArn(t.arn(partition()))
                        .attributeName("Policy").attributeValue(document));
            }
        } catch (SdkException e) {
            throw wrap("write the policy of " + holder.arn(partition()), e);
        }
    }

    /** Removes the policy (S3: DeleteBucketPolicy; SQS: an empty Policy attribute; one call). */
    public void delete(AccountId account, PolicyHolder holder) {
        try {
            switch (holder) {
                case PolicyHolder.Bucket b -> s3(account).deleteBucketPolicy(r -> r.bucket(b.name()).expectedBucketOwner(account.value()));
                case PolicyHolder.Queue q -> sqs(account).setQueueAttributes(r -> r.queueUrl(queueUrl(account, q).orElseThrow())
                        .attributes(Map.of(QueueAttributeName.POLICY, "")));
                case PolicyHolder.Topic t -> throw new IllegalArgumentException("an SNS topic always has a policy: " + t);
            }
        } catch (SdkException e) {
            throw wrap("delete the policy of " + holder.arn(partition()), e);
        }
    }

    /** The API actions {@link #put} and {@link #delete} call, for the dry run. */
    public static String putAction(PolicyHolder holder) {
        return switch (holder) {
            case PolicyHolder.Bucket b -> "PutBucketPolicy";
            case PolicyHolder.Queue q -> "SetQueueAttributes";
            case PolicyHolder.Topic t -> "SetTopicAttributes";
        };
    }

    public static String deleteAction(PolicyHolder holder) {
        return holder instanceof PolicyHolder.Bucket ? "DeleteBucketPolicy" : putAction(holder);
    }

    private Read bucket(AccountId account, PolicyHolder.Bucket b) {
        try {
            return new Read.Policy(Optional.ofNullable(s3(account).getBucketPolicy(r -> r.bucket(b.name())
                    .expectedBucketOwner(account.value())).policy()));
        } catch (S3Exception e) {
            String code = AwsFailures.errorCode(e).orElse("");
            if (code.equals("NoSuchBucketPolicy")) {
                return new Read.Policy(Optional.empty());
            }
            if (code.equals("NoSuchBucket") || e.statusCode() == 403 && code.equals("AccessDenied")) {
                return new Read.Missing("bucket " + b.name() + " does not exist in account " + account
                        + (code.equals("AccessDenied") ? " (its expected owner check failed, or the member role may not read it)" : ""));
            }
            throw e;
        }
    }

    private Optional<String> queueUrl(AccountId account, PolicyHolder.Queue q) {
        try {
            return Optional.of(sqs(account).getQueueUrl(r -> r.queueName(q.name()).queueOwnerAWSAccountId(account.value())).queueUrl());
        } catch (SqsException e) {
            // the JSON protocol's QueueDoesNotExist, or its query-compatible code (what emulators and older endpoints send)
            if (e instanceof QueueDoesNotExistException
                    || AwsFailures.errorCode(e).filter("AWS.SimpleQueueService.NonExistentQueue"::equals).isPresent()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private S3Client s3(AccountId account) {
        return client(account, "s3", c -> clients.client(S3Client.builder().forcePathStyle(clients.emulated()), c));
    }

    private SqsClient sqs(AccountId account) {
        return client(account, "sqs", c -> clients.client(SqsClient.builder(), c));
    }

    private SnsClient sns(AccountId account) {
        return client(account, "sns", c -> clients.client(SnsClient.builder(), c));
    }

    @SuppressWarnings("unchecked")
    private <C extends SdkClient> C client(AccountId account, String service, Function<AwsCredentialsProvider, C> make) {
        return (C) byAccount.computeIfAbsent(account.value() + "/" + service, k -> make.apply(access.credentials(account)));
    }

    private String partition() {
        return access.partition().id();
    }

    private static ProvisioningException wrap(String what, SdkException e) {
        return new ProvisioningException("cannot " + what + ": " + AwsFailures.message(e), AwsFailures.isRetryable(e), e);
    }
}
