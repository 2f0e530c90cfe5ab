package io.crossrole.grant;

import io.crossrole.model.AccountId;
import io.crossrole.model.Arn;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A resource whose policy a resource-policy grant writes one statement into: an S3 bucket, an SQS queue or an SNS
 * topic. {@link #parse} reads a grant's resource ARN and says which policy it belongs to (an S3 object's ARN belongs
 * to its bucket's).
 *
 * <pre>{@code
 * PolicyHolder.parse("arn:aws:s3:::productionapp/*");           // Bucket[productionapp]
 * PolicyHolder.parse("arn:aws:sqs:us-east-1:111111111111:orders"); // Queue[us-east-1, 111111111111, orders]
 * }</pre>
 */
public sealed interface PolicyHolder {
    Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    Pattern QUEUE = Pattern.compile("[A-Za-z0-9_-]{1,80}(\\.fifo)?");
    Pattern TOPIC = Pattern.compile("[A-Za-z0-9_-]{1,256}(\\.fifo)?");

    /** s3, sqs or sns. */
    String service();

    /** The account the resource is in, when its ARN says (S3 bucket ARNs do not). */
    Optional<AccountId> account();

    /** The ARN of the resource that holds the policy. */
    String arn(String partition);

    /** IAM's limit on the policy's size, in bytes. */
    int maxPolicyBytes();

    record Bucket(String name) implements PolicyHolder {
        @Override
        public String service() {
            return "s3";
        }

        @Override
        public Optional<AccountId> account() {
            return Optional.empty();
        }

        @Override
        public String arn(String partition) {
            return "arn:" + partition + ":s3:::" + name;
        }

        /** "Bucket policies are limited to 20 KB in size." (Amazon S3 user guide) */
        @Override
        public int maxPolicyBytes() {
            return 20 * 1024;
        }
    }

    record Queue(String region, AccountId owner, String name) implements PolicyHolder {
        @Override
        public String service() {
            return "sqs";
        }

        @Override
        public Optional<AccountId> account() {
            return Optional.of(owner);
        }

        @Override
        public String arn(String partition) {
            return "arn:" + partition + ":sqs:" + region + ":" + owner + ":" + name;
        }

        /** The SQS quota on a queue policy: 8,192 bytes. */
        @Override
        public int maxPolicyBytes() {
            return 8192;
        }
    }

    record Topic(String region, AccountId owner, String name) implements PolicyHolder {
        @Override
        public String service() {
            return "sns";
        }

        @Override
        public Optional<AccountId> account() {
            return Optional.of(owner);
        }

        @Override
        public String arn(String partition) {
            return "arn:" + partition + ":sns:" + region + ":" + owner + ":" + name;
        }

        /** The SNS limit on a topic policy: 30 KB. */
        @Override
        public int maxPolicyBytes() {
            return 30 * 1024;
        }

        /**
         * The policy SNS gives a new topic (the owner account may manage, subscribe and publish): a topic always has a
         * policy, so when the grant's statement was all its policy held, this is what it gets back.
         */
        public String defaultPolicy(String partition) {
            return "{\"Version\":\"2008-10-17\",\"Id\":\"__default_policy_ID\",\"Statement\":[{\"Sid\":\"__default_statement_ID\","
                    + "\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":[\"SNS:GetTopicAttributes\",\"SNS:SetTopicAttributes\","
                    + "\"SNS:AddPermission\",\"SNS:RemovePermission\",\"SNS:DeleteTopic\",\"SNS:Subscribe\",\"SNS:ListSubscriptionsByTopic\","
                    + "\"SNS:Publish\"],\"Resource\":\"" + arn(partition) + "\",\"Condition\":{\"StringEquals\":{\"AWS:SourceOwner\":\""
                    + owner + "\"}}}]}";
        }
    }

    /**
     * @throws IllegalArgumentException saying what is wrong: not an ARN, another service, a wildcard in the bucket,
     *                                  queue or topic name, a region or account where there must be one
     */
    static PolicyHolder parse(String text) {
        Arn arn = Arn.parse(text).orElseThrow(() -> new IllegalArgumentException("is not an ARN"));
        switch (arn.service()) {
            case "s3" -> {
                if (!arn.region().isEmpty() || !arn.account().isEmpty()) {
                    throw new IllegalArgumentException("an S3 bucket or object ARN has no region and no account (arn:aws:s3:::bucket)");
                }
                String bucket = arn.resource().contains("/") ? arn.resource().substring(0, arn.resource().indexOf('/')) : arn.resource();
                if (!BUCKET.matcher(bucket).matches()) {
                    throw new IllegalArgumentException("'" + bucket + "' is not an S3 bucket name (3-63 of a-z 0-9 . -, no wildcard)");
                }
                return new Bucket(bucket);
            }
            case "sqs", "sns" -> {
                if (arn.region().isEmpty() || !AccountId.isValid(arn.account())) {
                    throw new IllegalArgumentException("an " + arn.service().toUpperCase(Locale.ROOT) + " ARN names its region and its"
                            + " 12-digit account (arn:aws:" + arn.service() + ":us-east-1:111111111111:name)");
                }
                boolean queue = arn.service().equals("sqs");
                if (!(queue ? QUEUE : TOPIC).matcher(arn.resource()).matches()) {
                    throw new IllegalArgumentException("'" + arn.resource() + "' is not " + (queue ? "a queue" : "a topic")
                            + " name (letters, digits, - and _, no wildcard)");
                }
                return queue ? new Queue(arn.region(), AccountId.of(arn.account()), arn.resource())
                        : new Topic(arn.region(), AccountId.of(arn.account()), arn.resource());
            }
            default -> throw new IllegalArgumentException("is a resource of " + arn.service()
                    + "; a resource-policy grant writes S3 bucket, SQS queue and SNS topic policies");
        }
    }
}
