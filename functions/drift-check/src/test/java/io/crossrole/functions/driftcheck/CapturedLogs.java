package io.crossrole.functions.driftcheck;

import java.io.StringWriter;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/** Every line the functions' log4j loggers write while open (message and stack trace), for assertions. */
final class CapturedLogs implements AutoCloseable {
    private final StringWriter text = new StringWriter();
    private final Appender appender;
    private final List<LoggerConfig> loggers;
    private final LoggerContext context;

    CapturedLogs() {
        context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        appender = WriterAppender.newBuilder().setName("captured-" + System.nanoTime()).setTarget(text)
                .setLayout(PatternLayout.newBuilder().withPattern("%level %logger %m %X%n%throwable").build()).build();
        appender.start();
        config.addAppender(appender);
        loggers = List.of(config.getRootLogger(), config.getLoggerConfig("io.crossrole"));
        loggers.forEach(l -> l.addAppender(appender, null, null));
        context.updateLoggers();
    }

    String text() {
        return text.toString();
    }

    @Override
    public void close() {
        loggers.forEach(l -> l.removeAppender(appender.getName()));
        context.updateLoggers();
        appender.stop();
    }
}
