package io.crossrole.functions.reconcileworker;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.convergence.Convergence;
import io.crossrole.testing.convergence.History;
import io.crossrole.testing.convergence.HistoryRunner;
import io.crossrole.testing.convergence.Op;
import io.crossrole.testing.convergence.Op.HandChange;
import io.crossrole.testing.convergence.World;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Random histories of grant, organization and hand-made changes, delivered at least once, in any order across grants
 * and accounts, to concurrent workers, with 30 % of AWS calls failing; after quiescence an independent checker compares
 * every account with what the final tables say. The bounded profile of {@code crossrole bench convergence};
 * {@code -Dcrossrole.convergence.seed=N} replays another run.
 */
@ExtendWith(AwsEmulatorExtension.class)
class ConvergenceIT {
    private static final long SEED = Long.getLong("crossrole.convergence.seed", 20261202L);
    private static final int HISTORIES = 20;
    private static final int LENGTH = 30;
    private static final double FAULTS = 0.3;

    private static final String APP = """
            {"grantId":"app","roleName":"App","targets":["%s","%s"],"trustedPrincipals":["%s"],
             "managedPolicyArns":["arn:aws:iam::aws:policy/ReadOnlyAccess"],
             "granteeAttach":["arn:aws:iam::%s:group/Operators"]}""".formatted(World.PROD, World.STAGE, World.GRANTEE, World.GRANTEE);
    private static final String INTAKE = """
            {"grantId":"intake","targets":["%s"],"trustedPrincipals":["%s"],"resourceArns":["%s"],
             "resourceActions":["sqs:SendMessage"]}""".formatted(World.PROD, World.GRANTEE, World.QUEUE_ARN);

    /** Two grants made right, then changed by hand: a policy attached, a principal trusted, the queue statement widened. */
    private static final History EDITED_BY_HAND = new History(7L, List.of(
            new Op.PutGrant("app", APP),
            new Op.PutGrant("intake", INTAKE),
            new Op.DeliverStream(10, 1, false),
            new Op.Consume(1, 10),
            new Op.Hand(HandChange.ATTACH_POLICY, World.PROD, "App"),
            new Op.Hand(HandChange.EDIT_TRUST, World.STAGE, "App"),
            new Op.Hand(HandChange.EDIT_STATEMENT, World.PROD, "Crossroleintake"),
            new Op.Hand(HandChange.UNMANAGED_ROLE, World.SANDBOX, "Intruder")), 0.0);

    @Test
    void randomHistoriesWithFaults_convergeToWhatTheTablesSay_andLeaveWhatIsNotCrossrolesAlone(Emulator emulator) {
        Convergence.Report report = new Convergence(emulator, System.out).run(HISTORIES, LENGTH, SEED, FAULTS);

        assertThat(report.histories()).isEqualTo(HISTORIES);
        assertThat(report.operations()).isGreaterThanOrEqualTo(HISTORIES * LENGTH);
        assertThat(report.faultsInjected()).as("faults were injected").isGreaterThan(report.awsCalls() / 10);
        assertThat(report.failures()).as(report.summary()).extracting(Convergence.Failure::describe).isEmpty();
    }

    @Test
    void checker_whenHandEditsAreNotRepaired_reportsEachOne(Emulator emulator) {
        HistoryRunner.Outcome outcome = new HistoryRunner(emulator).run(EDITED_BY_HAND, false);

        assertThat(outcome.divergences()).anySatisfy(d -> assertThat(d).contains("role App in " + World.PROD)
                        .contains("managed policies"))
                .anySatisfy(d -> assertThat(d).contains("role App in " + World.STAGE).contains("trusts"))
                .anySatisfy(d -> assertThat(d).contains("intake").contains("sqs:DeleteMessage"))
                .hasSize(3);
    }

    @Test
    void handEdits_areUndoneByTheFinalRemediateDriftRun_andTheUnmanagedRoleIsLeftAlone(Emulator emulator) {
        HistoryRunner.Outcome outcome = new HistoryRunner(emulator).run(EDITED_BY_HAND);

        assertThat(outcome.divergences()).isEmpty();
    }
}
