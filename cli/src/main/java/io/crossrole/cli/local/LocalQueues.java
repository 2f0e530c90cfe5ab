package io.crossrole.cli.local;

import io.crossrole.cli.template.SamTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The SQS queues of template.yaml on an emulator, named by their logical IDs: created for local runs, and
 * found for a function's SQS event source.
 */
public final class LocalQueues {
    private final SamTemplate template;

    public LocalQueues(SamTemplate template) {
        this.template = template;
    }

    /** Creates every queue the template declares (CreateQueue is idempotent for the same attributes). */
    public List<String> create(SqsClient sqs) {
        List<String> names = new ArrayList<>();
        for (String logicalId : template.resourcesOfType("AWS::SQS::Queue")) {
            sqs.createQueue(r -> r.queueName(logicalId));
            names.add(logicalId);
        }
        return names;
    }

    /** The queue feeding a function through an SQS event source, and the source's batch size. */
    public record Source(String queueLogicalId, int batchSize) {
    }

    public Optional<Source> sourceOf(String functionLogicalId) {
        Map<String, Object> events = SamTemplate.map(template.functionProperty(functionLogicalId, "Events").orElse(null));
        for (Object value : events.values()) {
            Map<String, Object> event = SamTemplate.map(value);
            if (!"SQS".equals(event.get("Type"))) {
                continue;
            }
            Map<String, Object> props = SamTemplate.map(event.get("Properties"));
            Object queue = SamTemplate.map(props.get("Queue")).get("Fn::GetAtt");
            String target = queue instanceof List<?> parts ? String.valueOf(parts.get(0)) : String.valueOf(queue);
            String logicalId = target.contains(".") ? target.substring(0, target.indexOf('.')) : target;
            int batch = props.get("BatchSize") == null ? 10 : Integer.parseInt(String.valueOf(props.get("BatchSize")));
            return Optional.of(new Source(logicalId, Math.min(10, batch)));
        }
        return Optional.empty();
    }
}
