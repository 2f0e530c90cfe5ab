package io.crossrole.cli.bench;

import io.crossrole.testing.Emulator;
import io.crossrole.testing.convergence.Convergence;
import io.crossrole.testing.convergence.HistoryRunner;
import java.io.PrintStream;

/**
 * {@code crossrole bench convergence}: random histories of grant, organization and hand-made changes, delivered as AWS
 * delivers them, with a fraction of AWS calls failing; an independent checker compares every account with the final
 * tables after quiescence. The long profile of ConvergenceIT.
 */
public final class ConvergenceBenchmark {
    private final PrintStream out;

    public ConvergenceBenchmark(PrintStream out) {
        this.out = out;
    }

    /**
     * Runs one history again (the seed a divergence was printed with), printing what the checker found.
     *
     * @return the number of divergences
     */
    public int replay(long historySeed, int length, double faults) {
        credentials();
        Emulator moto = Emulator.startMoto();
        try {
            HistoryRunner.Outcome o = new Convergence(moto, out).replay(historySeed, length, faults);
            out.println(o.history().describe());
            out.printf("history seed %d: %d AWS calls, %d faults, %s%n", historySeed, o.awsCalls(), o.faultsInjected(),
                    o.converged() ? "converged" : "diverged:\n    " + String.join("\n    ", o.divergences()));
            return o.divergences().size();
        } finally {
            stop(moto);
        }
    }

    /** @return the number of diverging histories */
    public int run(int histories, int length, long seed, double faults) {
        out.printf("convergence: %d histories of %d steps, seed %d, %.0f %% of AWS calls failing (throttled, 5xx, or answered and"
                + " the answer lost, a third each)%n", histories, length, seed, faults * 100);
        out.println("method: each history on a reset moto server: a fixed organization (3 OUs, one nested in another; 5 accounts), grantee"
                + " groups and a queue with someone else's statement; then its steps: grants of both kinds created, changed in"
                + " any field and deleted; accounts created (member role refused at first), moved and closed; stream batches of"
                + " any grants interleaved, some delivered again; account events in any order, some twice; 1-3 workers per lane"
                + " consuming at once; drift runs; hand edits. Quiescence: faults off, everything pending delivered, queues"
                + " drained, a remediate drift run when a hand edit touched Crossrole's roles or statement. Then the checker"
                + " (its own rules from the README, not Crossrole's planner) against IAM, the queue policy, statuses and queues.");
        credentials();
        Emulator moto = Emulator.startMoto();
        try {
            Convergence.Report report = new Convergence(moto, out).run(histories, length, seed, faults);
            out.println(report.summary());
            return report.failures().size();
        } finally {
            stop(moto);
        }
    }

    /** moto accepts any key; the functions' clients read them as they read Lambda's. */
    private static void credentials() {
        System.setProperty("aws.accessKeyId", System.getProperty("aws.accessKeyId", "testing"));
        System.setProperty("aws.secretAccessKey", System.getProperty("aws.secretAccessKey", "testing"));
        System.setProperty("aws.region", System.getProperty("aws.region", Emulator.REGION));
    }

    private void stop(Emulator moto) {
        try {
            moto.close();
        } catch (Exception e) {
            out.println("could not stop the moto server: " + e.getMessage());
        }
    }
}
