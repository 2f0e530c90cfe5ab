package io.crossrole.lambda;

import io.crossrole.config.CrossroleConfig;
import software.amazon.cloudwatchlogs.emf.config.EnvironmentConfigurationProvider;
import software.amazon.cloudwatchlogs.emf.environment.Environments;

/**
 * Where metrics go. In Lambda, Embedded Metric Format documents go to the function's log (and so to
 * CloudWatch). Anywhere else (tests, the CLI) they are printed too, instead of the EMF library probing for a
 * CloudWatch agent or instance metadata, which stalls a process that has neither.
 */
public final class Telemetry {
    private Telemetry() {
    }

    public static void configure(CrossroleConfig config) {
        if (!config.inLambda()) {
            EnvironmentConfigurationProvider.getConfig().setEnvironmentOverride(Environments.Local);
        }
    }
}
