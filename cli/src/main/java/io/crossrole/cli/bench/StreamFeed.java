package io.crossrole.cli.bench;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import io.crossrole.cli.local.StreamEvents;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The Grants table's real stream, read and turned into the DynamodbEvent the function takes (in process). */
final class StreamFeed {
    private final StreamEvents stream;

    StreamFeed(StreamEvents stream) {
        this.stream = stream;
    }

    /** Everything new on the stream, as events of at most {@code batch} records. */
    List<DynamodbEvent> next(int batch) {
        List<DynamodbEvent> out = new ArrayList<>();
        for (String json : stream.poll(batch)) {
            out.add(LambdaEventSerializers.serializerFor(DynamodbEvent.class, StreamFeed.class.getClassLoader())
                    .fromJson(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))));
        }
        return out;
    }
}
