package io.crossrole.testing.convergence;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A generated history: its seed, its steps, and the fault rate it ran under.
 *
 * @param seed      what {@link HistoryGenerator} made it from
 * @param faultRate the fraction of AWS calls that fail (throttled, 5xx, or answered then lost)
 */
public record History(long seed, List<Op> ops, double faultRate) {
    public History {
        ops = List.copyOf(ops);
    }

    /**
     * Whether a person changed what Crossrole manages: then quiescence ends with a drift run in remediate mode, the one
     * thing that undoes such a change. Without one, the stream and the account events alone must converge.
     */
    public boolean repairAtEnd() {
        return ops.stream().anyMatch(op -> op instanceof Op.Hand h && h.change().touchesManaged());
    }

    /** The first {@code length} steps, as a history of its own (to find the shortest that fails). */
    public History prefix(int length) {
        return new History(seed, ops.subList(0, length), faultRate);
    }

    /** The steps, numbered, one per line. */
    public String describe() {
        return IntStream.range(0, ops.size()).mapToObj(i -> String.format("  %3d. %s", i + 1, ops.get(i)))
                .collect(Collectors.joining("\n"));
    }
}
