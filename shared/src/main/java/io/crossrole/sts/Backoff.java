package io.crossrole.sts;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Bounded exponential backoff with full jitter, for faults that the SDK's own retries do not cover:
 * IAM's eventual consistency (an account whose role is not yet assumable, a principal not yet visible).
 * Gives up once the time slept would pass {@code window}.
 *
 * <pre>{@code
 * Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(20), Backoff.Sleeper.REAL, new Random());
 * Credentials c = backoff.retry(provider::resolveCredentials, e -> "AccessDenied".equals(code(e)));
 * }</pre>
 */
public record Backoff(Duration base, Duration cap, Duration window, Sleeper sleeper, RandomGenerator random) {

    /** Sleeps; tests pass one that records instead. */
    @FunctionalInterface
    public interface Sleeper {
        Sleeper REAL = duration -> Thread.sleep(duration);

        void sleep(Duration duration) throws InterruptedException;
    }

    private static final int MAX_ATTEMPTS = 64;

    public Backoff {
        Objects.requireNonNull(base);
        Objects.requireNonNull(cap);
        Objects.requireNonNull(window);
        Objects.requireNonNull(sleeper);
        Objects.requireNonNull(random);
    }

    public static Backoff standard(Duration window) {
        return new Backoff(Duration.ofMillis(250), Duration.ofSeconds(5), window, Sleeper.REAL, FRESH);
    }

    /**
     * Jitter seeded at each draw: a generator made at init would be captured in a SnapStart snapshot, and every
     * environment restored from it would then back off in lockstep.
     */
    private static final RandomGenerator FRESH = () -> new java.util.SplittableRandom(
            System.nanoTime() ^ Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L).nextLong();

    public Backoff withWindow(Duration newWindow) {
        return new Backoff(base, cap, newWindow, sleeper, random);
    }

    /**
     * Runs {@code action}; while it throws what {@code retryable} accepts and the window allows, sleeps and
     * runs it again. The last failure is rethrown.
     */
    public <T> T retry(Supplier<T> action, Predicate<RuntimeException> retryable) {
        Duration slept = Duration.ZERO;
        for (int attempt = 0; ; attempt++) {
            try {
                return action.get();
            } catch (RuntimeException e) {
                if (!retryable.test(e) || window.isZero() || attempt >= MAX_ATTEMPTS) {
                    throw e;
                }
                long ceiling = Math.min(cap.toMillis(), base.toMillis() << Math.min(attempt, 20));
                Duration pause = Duration.ofMillis(ceiling <= 0 ? 0 : random.nextLong(ceiling + 1));
                if (slept.plus(pause).compareTo(window) > 0) {
                    throw e;
                }
                try {
                    sleeper.sleep(pause);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                slept = slept.plus(pause);
            }
        }
    }
}
