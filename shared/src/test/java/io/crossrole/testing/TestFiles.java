package io.crossrole.testing;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository's files (events/, template.yaml) and reads events as Lambda's runtime does. */
public final class TestFiles {
    private TestFiles() {
    }

    public static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("template.yaml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("template.yaml not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    public static Path event(String relative) {
        return repoRoot().resolve("events").resolve(relative);
    }

    /** An event file's text. */
    public static String eventText(String relative) {
        try {
            return Files.readString(event(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An EventBridge event as the Lambda Java runtime deserialises it for a ScheduledEvent handler. */
    public static com.amazonaws.services.lambda.runtime.events.ScheduledEvent scheduledEvent(String json) {
        return LambdaEventSerializers.serializerFor(com.amazonaws.services.lambda.runtime.events.ScheduledEvent.class,
                TestFiles.class.getClassLoader()).fromJson(new java.io.ByteArrayInputStream(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** An SQS event file, read with the serializer the Lambda Java runtime uses for SQS events. */
    public static SQSEvent sqsEvent(String relative) {
        try (InputStream in = Files.newInputStream(event(relative))) {
            return LambdaEventSerializers.serializerFor(SQSEvent.class, TestFiles.class.getClassLoader()).fromJson(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deserialises with the same serializer the Lambda Java runtime uses for DynamoDB stream events. */
    public static DynamodbEvent dynamodbEvent(String relative) {
        try (InputStream in = Files.newInputStream(event(relative))) {
            return LambdaEventSerializers.serializerFor(DynamodbEvent.class, TestFiles.class.getClassLoader()).fromJson(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
