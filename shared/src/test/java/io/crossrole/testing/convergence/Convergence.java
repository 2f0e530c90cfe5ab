package io.crossrole.testing.convergence;

import io.crossrole.testing.Emulator;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates and runs histories, checks each, and for each that diverges finds the shortest prefix that still does.
 *
 * <pre>{@code
 * Convergence.Report r = new Convergence(emulator, System.out).run(20, 30, 7L, 0.3);
 * }</pre>
 */
public final class Convergence {
    private final HistoryRunner runner;
    private final PrintStream out;

    public Convergence(Emulator emulator, PrintStream out) {
        this.runner = new HistoryRunner(emulator);
        this.out = out;
    }

    /** A diverging history, the shortest prefix of it that diverges too, and what the checker found there. */
    public record Failure(History history, History shortest, List<String> divergences) {
        public String describe() {
            return "seed " + history.seed() + " (faults " + history.faultRate() + "): diverged after " + history.ops().size()
                    + " steps; the shortest failing prefix has " + shortest.ops().size() + ":\n" + shortest.describe()
                    + "\n  divergences:\n    " + String.join("\n    ", divergences);
        }
    }

    public record Report(int histories, int operations, int faultsInjected, int awsCalls, int streamRecords, int accountEvents,
                         int messages, List<Failure> failures, Duration took) {
        public String summary() {
            return String.format("histories %d, operations %d, AWS calls %d, faults injected %d, stream records delivered %d,"
                            + " account events delivered %d, reconcile messages delivered %d, divergences %d, took %d s",
                    histories, operations, awsCalls, faultsInjected, streamRecords, accountEvents, messages, failures.size(),
                    took.toSeconds());
        }
    }

    /**
     * @param seed each history's seed is drawn from it, so one seed replays the whole run
     */
    public Report run(int histories, int length, long seed, double faultRate) {
        Instant started = Instant.now();
        SplittableRandom seeds = new SplittableRandom(seed);
        List<Failure> failures = new ArrayList<>();
        int operations = 0;
        int faults = 0;
        int calls = 0;
        int records = 0;
        int events = 0;
        int messages = 0;
        for (int i = 0; i < histories; i++) {
            History history = new HistoryGenerator(seeds.nextLong()).generate(length, faultRate);
            HistoryRunner.Outcome o = runner.run(history);
            operations += history.ops().size();
            faults += o.faultsInjected();
            calls += o.awsCalls();
            records += o.streamRecords();
            events += o.accountEvents();
            messages += o.messages();
            out.printf("history %3d seed %20d: %2d steps, %4d AWS calls, %3d faults, %5.1f s, %s%n", i + 1, history.seed(),
                    history.ops().size(), o.awsCalls(), o.faultsInjected(), o.took().toMillis() / 1000.0,
                    o.converged() ? "converged" : o.divergences().size() + " divergence(s)");
            if (!o.converged()) {
                Failure f = shrink(history, o.divergences());
                out.println(f.describe());
                failures.add(f);
            }
        }
        return new Report(histories, operations, faults, calls, records, events, messages, failures,
                Duration.between(started, Instant.now()));
    }

    /** Replays a single history (e.g. {@code -Dcrossrole.convergence.seed=N}). */
    public HistoryRunner.Outcome replay(long historySeed, int length, double faultRate) {
        return runner.run(new HistoryGenerator(historySeed).generate(length, faultRate));
    }

    /**
     * The shortest prefix that still diverges, by bisection over prefix lengths (a few runs; with faults a shorter prefix
     * may pass by chance, so this is the shortest found, not a proof).
     */
    private Failure shrink(History history, List<String> divergences) {
        int low = 1;
        int high = history.ops().size();
        List<String> found = divergences;
        while (low < high) {
            int mid = (low + high) / 2;
            HistoryRunner.Outcome o = runner.run(history.prefix(mid));
            if (o.converged()) {
                low = mid + 1;
            } else {
                high = mid;
                found = o.divergences();
            }
        }
        return new Failure(history, history.prefix(high), found);
    }
}
