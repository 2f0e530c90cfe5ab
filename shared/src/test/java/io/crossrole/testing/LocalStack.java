package io.crossrole.testing;

import java.net.URI;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/** LocalStack through Testcontainers, used only where a Docker engine answers. */
final class LocalStack {
    private LocalStack() {
    }

    static Emulator startIfDockerRuns() {
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            docker = false;
        }
        if (!docker) {
            return null;
        }
        LocalStackContainer container = new LocalStackContainer(DockerImageName.parse(Emulator.LOCALSTACK_IMAGE))
                .withServices(LocalStackContainer.Service.IAM, LocalStackContainer.Service.STS,
                        LocalStackContainer.Service.DYNAMODB);
        container.start();
        return Emulator.localStack(URI.create(container.getEndpoint().toString()), container::stop);
    }
}
