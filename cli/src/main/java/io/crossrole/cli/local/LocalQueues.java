package io.crossrole.cli.local;

import io.crossrole.cli.template.SamTemplate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The SQS queues of template.yaml on an emulator, named by their logical IDs (with {@code .fifo} for a FIFO queue,
 * as SQS requires): created for local runs with the template's FIFO, visibility and redrive settings, and found for a
 * function's SQS event source or a {@code !Ref}.
 *
 * <pre>{@code
 * new LocalQueues(template).create(sqs);   // ReconcileQueue.fifo → ReconcileDeadLetterQueue.fifo after 15 receives
 * }</pre>
 */
public final class LocalQueues {
    private final SamTemplate template;

    public LocalQueues(SamTemplate template) {
        this.template = template;
    }

    /** The local name of a queue the template declares. */
    public String name(String logicalId) {
        return isFifo(logicalId) ? logicalId + ".fifo" : logicalId;
    }

    /** True when the template declares a queue of this logical ID. */
    public boolean declares(String logicalId) {
        return template.resourcesOfType("AWS::SQS::Queue").contains(logicalId);
    }

    /** Creates every queue the template declares, dead-letter queues first (CreateQueue is idempotent). */
    public List<String> create(SqsClient sqs) {
        List<String> queues = new ArrayList<>(template.resourcesOfType("AWS::SQS::Queue"));
        queues.sort((a, b) -> Boolean.compare(redriveTarget(a).isPresent(), redriveTarget(b).isPresent()));
        List<String> names = new ArrayList<>();
        for (String logicalId : queues) {
            Map<QueueAttributeName, String> attributes = new LinkedHashMap<>();
            Map<String, Object> props = properties(logicalId);
            if (isFifo(logicalId)) {
                attributes.put(QueueAttributeName.FIFO_QUEUE, "true");
                scalar(props.get("ContentBasedDeduplication")).ifPresent(v -> attributes.put(QueueAttributeName.CONTENT_BASED_DEDUPLICATION, v));
            }
            scalar(props.get("VisibilityTimeout")).ifPresent(v -> attributes.put(QueueAttributeName.VISIBILITY_TIMEOUT, v));
            redriveTarget(logicalId).ifPresent(target -> {
                String url = sqs.getQueueUrl(r -> r.queueName(name(target))).queueUrl();
                String arn = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                        .attributes().get(QueueAttributeName.QUEUE_ARN);
                Object receives = SamTemplate.map(props.get("RedrivePolicy")).get("maxReceiveCount");
                attributes.put(QueueAttributeName.REDRIVE_POLICY,
                        "{\"deadLetterTargetArn\":\"" + arn + "\",\"maxReceiveCount\":" + receives + "}");
            });
            String name = name(logicalId);
            sqs.createQueue(r -> r.queueName(name).attributes(attributes));
            names.add(name);
        }
        return names;
    }

    /**
     * The queue feeding a function through an SQS event source, and the source's batch size.
     *
     * @param queueName the queue's local name
     */
    public record Source(String queueLogicalId, String queueName, int batchSize) {
    }

    /** The function's SQS event sources, in the template's order (the reconcile worker has two: express and bulk). */
    public List<Source> sourcesOf(String functionLogicalId) {
        Map<String, Object> events = SamTemplate.map(template.functionProperty(functionLogicalId, "Events").orElse(null));
        List<Source> sources = new ArrayList<>();
        for (Object value : events.values()) {
            Map<String, Object> event = SamTemplate.map(value);
            if (!"SQS".equals(event.get("Type"))) {
                continue;
            }
            Map<String, Object> props = SamTemplate.map(event.get("Properties"));
            String logicalId = getAttTarget(props.get("Queue"));
            int batch = props.get("BatchSize") == null ? 10 : Integer.parseInt(String.valueOf(props.get("BatchSize")));
            sources.add(new Source(logicalId, name(logicalId), Math.min(10, batch)));
        }
        return sources;
    }

    private boolean isFifo(String logicalId) {
        return "true".equalsIgnoreCase(scalar(properties(logicalId).get("FifoQueue")).orElse("false"));
    }

    private Optional<String> redriveTarget(String logicalId) {
        Object target = SamTemplate.map(properties(logicalId).get("RedrivePolicy")).get("deadLetterTargetArn");
        return target == null ? Optional.empty() : Optional.of(getAttTarget(target));
    }

    private Map<String, Object> properties(String logicalId) {
        return SamTemplate.map(template.resource(logicalId).map(r -> r.get("Properties")).orElse(null));
    }

    /** {@code !GetAtt X.Arn} (either form) → X. */
    private static String getAttTarget(Object value) {
        Object att = value instanceof Map<?, ?> m ? m.get("Fn::GetAtt") : value;
        String target = att instanceof List<?> parts ? String.valueOf(parts.get(0)) : String.valueOf(att);
        return target.contains(".") ? target.substring(0, target.indexOf('.')) : target;
    }

    private static Optional<String> scalar(Object value) {
        return value instanceof Map<?, ?> || value == null ? Optional.empty() : Optional.of(String.valueOf(value));
    }
}
