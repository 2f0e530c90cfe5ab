package io.crossrole.functions.driftcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.drift.DriftRun;
import io.crossrole.producer.GrantStreamProducer;
import io.crossrole.store.AssignmentStatus;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.StreamRecords;
import io.crossrole.testing.TestCrossrole;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.organizations.OrganizationsClient;

/**
 * A grant covers an OU; an account joins that OU and its account event is lost. The drift check finds the
 * account the grant covers but never got, reports it, and in remediate mode creates the role.
 */
@ExtendWith(AwsEmulatorExtension.class)
class DriftCoverageIT {
    private static final String GRANT = """
            {"grantId": "workloads-read", "roleName": "WorkloadsRead", "targets": ["%s"],
             "trustedPrincipals": ["arn:aws:iam::222222222222:role/auditor"],
             "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}""";
    /** Past the settling time, so that the statuses the stream wrote are old enough for the check to act. */
    private static final Clock LATER = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(16));

    private TestCrossrole crossrole;
    private String first;
    private String late;

    @BeforeEach
    void setUp(Emulator emulator) {
        emulator.reset();
        crossrole = new TestCrossrole(emulator, Map.of());
        String workloads;
        try (OrganizationsClient org = crossrole.observerOrganizations()) {
            String root = org.listRoots().roots().get(0).id();
            workloads = org.createOrganizationalUnit(r -> r.parentId(root).name("Workloads")).organizationalUnit().id();
            first = crossrole.createAccount("first", root, workloads);
            String grant = GRANT.formatted(workloads);
            crossrole.putGrant(grant);
            GrantStreamProducer stream = crossrole.producer("crossrole-grant-stream");
            assertThat(stream.process(StreamRecords.insert(grant)).getBatchItemFailures()).isEmpty();
            crossrole.drain();
            late = crossrole.createAccount("late", root, workloads); // its CreateAccountResult never reaches Crossrole
        }
        assertThat(crossrole.assignment("workloads-read", first).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(crossrole.assignments("workloads-read")).noneMatch(a -> a.key().stored().equals(late));
        crossrole.calls().clear();
    }

    @AfterEach
    void tearDown() {
        crossrole.close();
    }

    @Test
    void report_recordsTheAccountTheGrantCoversButNeverGot_andWritesNothingToIam() {
        Map<String, Object> summary = run("report", LATER).scheduled();

        assertThat(summary).containsEntry("missing", 1).containsEntry("inSync", 1).containsEntry("drifted", 1);
        assertThat(crossrole.assignment("workloads-read", late).status()).isEqualTo(AssignmentStatus.DRIFTED);
        assertThat(crossrole.assignment("workloads-read", late).message())
                .isEqualTo("drift: role WorkloadsRead was never created in this account");
        assertThat(crossrole.calls().iamWrites()).isEmpty();
        assertThat(roleExists(late)).isFalse();
    }

    @Test
    void remediate_createsTheMissingRole_andTheNextRunFindsEverythingInSync() {
        Map<String, Object> summary = run("remediate", LATER).scheduled();

        assertThat(summary).containsEntry("missing", 1).containsEntry("repairsQueued", 1);
        assertThat(roleExists(late)).as("the drift run only queues").isFalse();
        crossrole.drain();
        assertThat(roleExists(late)).isTrue();
        assertThat(crossrole.assignment("workloads-read", late).status()).isEqualTo(AssignmentStatus.PROVISIONED);
        assertThat(crossrole.assignment("workloads-read", late).message())
                .startsWith("repaired by the drift check: created: create role /crossrole-managed/WorkloadsRead");
        Map<String, Object> next = run("report", LATER).scheduled();
        assertThat(next).containsEntry("missing", 0).containsEntry("inSync", 2).containsEntry("drifted", 0);
    }

    @Test
    void grantWhoseStatusesJustChanged_isLeftToTheFunctionsStillAtWork() {
        Map<String, Object> summary = run("remediate", Clock.systemUTC()).scheduled();

        assertThat(summary).containsEntry("missing", 0);
        assertThat(crossrole.assignments("workloads-read")).noneMatch(a -> a.key().stored().equals(late));
        assertThat(roleExists(late)).isFalse();
    }

    private DriftRun run(String mode, Clock clock) {
        return crossrole.driftRun(Map.of("DRIFT_MODE", mode), clock);
    }

    private boolean roleExists(String account) {
        try (IamClient iam = crossrole.observerIam(account)) {
            iam.getRole(r -> r.roleName("WorkloadsRead"));
            return true;
        } catch (NoSuchEntityException e) {
            return false;
        }
    }
}
