package io.crossrole.report;

import io.crossrole.aws.AwsClientFactory;
import io.crossrole.config.CrossroleConfig;
import io.crossrole.failure.AwsFailures;
import io.crossrole.model.AccountId;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Writes the access report as JSON to the bucket {@code REPORT_BUCKET} names (key {@link CrossroleConfig#REPORT_KEY}),
 * with the bucket owner pinned to the account Crossrole runs in when it is known, so that the report never lands in a
 * bucket someone else owns. Without a bucket it publishes nothing.
 *
 * <pre>{@code
 * ReportPublisher.create(config, clients).publish(report);  // Optional[s3://my-bucket/crossrole/access-report.json]
 * }</pre>
 */
public final class ReportPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(ReportPublisher.class);

    private final Optional<S3Client> s3;
    private final String bucket;
    private final Optional<AccountId> owner;

    /**
     * @param s3    {@code null} when there is no bucket
     * @param owner the bucket's expected owner; {@code null} when not known
     */
    private ReportPublisher(S3Client s3, String bucket, AccountId owner) {
        this.s3 = Optional.ofNullable(s3);
        this.bucket = bucket;
        this.owner = Optional.ofNullable(owner);
    }

    public static ReportPublisher create(CrossroleConfig config, AwsClientFactory clients) {
        return config.reportBucket().map(b -> new ReportPublisher(clients.client(S3Client.builder().forcePathStyle(clients.emulated())),
                b, config.crossroleAccountId().orElse(null))).orElseGet(ReportPublisher::none);
    }

    /** A publisher for a stack without a report bucket. */
    public static ReportPublisher none() {
        return new ReportPublisher(null, "", null);
    }

    /**
     * Writes the report; a failure is logged and reported as empty, never thrown (the report is a by-product of the
     * drift run, which must not fail because of it).
     *
     * @return where it was written
     */
    public Optional<String> publish(AccessReport report) {
        if (s3.isEmpty()) {
            return Optional.empty();
        }
        String where = "s3://" + bucket + "/" + CrossroleConfig.REPORT_KEY;
        try {
            s3.get().putObject(r -> r.bucket(bucket).key(CrossroleConfig.REPORT_KEY).contentType("application/json")
                    .expectedBucketOwner(owner.map(AccountId::value).orElse(null)), RequestBody.fromString(ReportJson.render(report)));
            LOG.info("access report written to {} ({} rows)", where, report.rows().size());
            return Optional.of(where);
        } catch (RuntimeException e) {
            LOG.warn("cannot write the access report to {}: {}", where, AwsFailures.message(e));
            return Optional.empty();
        }
    }
}
