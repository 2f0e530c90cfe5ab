package io.crossrole.sts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BackoffTest {

    private static final Duration BASE = Duration.ofMillis(100);
    private static final Duration CAP = Duration.ofMillis(1_000);

    /** Records the pauses instead of sleeping. */
    private static final class RecordingSleeper implements Backoff.Sleeper {
        final List<Duration> sleeps = new ArrayList<>();

        @Override
        public void sleep(Duration duration) {
            sleeps.add(duration);
        }

        Duration total() {
            return sleeps.stream().reduce(Duration.ZERO, Duration::plus);
        }
    }

    static final class Retryable extends RuntimeException {
        final int attempt;

        Retryable(int attempt) {
            super("AccessDenied on attempt " + attempt);
            this.attempt = attempt;
        }
    }

    static final class Fatal extends RuntimeException {
        Fatal() {
            super("MalformedPolicyDocument");
        }
    }

    /** Fails with {@link Retryable} the first {@code failures} times, then returns "ok". */
    private static final class Flaky {
        final int failures;
        final AtomicInteger calls = new AtomicInteger();

        Flaky(int failures) {
            this.failures = failures;
        }

        String call() {
            int n = calls.getAndIncrement();
            if (n < failures) {
                throw new Retryable(n);
            }
            return "ok";
        }
    }

    private static boolean retryable(RuntimeException e) {
        return e instanceof Retryable;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 8})
    void retry_whenActionFailsNTimesThenSucceeds_returnsResultAfterNSleepsEachWithinItsCeiling(int failures) {
        RecordingSleeper sleeper = new RecordingSleeper();
        Backoff backoff = new Backoff(BASE, CAP, Duration.ofMinutes(10), sleeper, new Random(42));
        Flaky flaky = new Flaky(failures);

        String result = backoff.retry(flaky::call, BackoffTest::retryable);

        assertThat(result).isEqualTo("ok");
        assertThat(flaky.calls.get()).isEqualTo(failures + 1);
        assertThat(sleeper.sleeps).hasSize(failures);
        for (int attempt = 0; attempt < failures; attempt++) {
            Duration pause = sleeper.sleeps.get(attempt);
            assertThat(pause).as("pause %d", attempt)
                    .isGreaterThanOrEqualTo(Duration.ZERO)
                    .isLessThanOrEqualTo(CAP)
                    .isLessThanOrEqualTo(BASE.multipliedBy(1L << attempt));
        }
    }

    @Test
    void retry_withSeededRandom_drawsFullJitterBetweenZeroAndTheCeiling() {
        RecordingSleeper sleeper = new RecordingSleeper();
        Backoff backoff = new Backoff(BASE, CAP, Duration.ofMinutes(10), sleeper, new Random(7));

        backoff.retry(new Flaky(6)::call, BackoffTest::retryable);

        Random replay = new Random(7);
        List<Duration> expected = new ArrayList<>();
        for (int attempt = 0; attempt < 6; attempt++) {
            long ceiling = Math.min(CAP.toMillis(), BASE.toMillis() << attempt);
            expected.add(Duration.ofMillis(replay.nextLong(ceiling + 1)));
        }
        assertThat(sleeper.sleeps).isEqualTo(expected);
    }

    @Test
    void retry_whenSameSeed_sleepsTheSame() {
        RecordingSleeper one = new RecordingSleeper();
        RecordingSleeper two = new RecordingSleeper();

        new Backoff(BASE, CAP, Duration.ofMinutes(10), one, new Random(3)).retry(new Flaky(5)::call, BackoffTest::retryable);
        new Backoff(BASE, CAP, Duration.ofMinutes(10), two, new Random(3)).retry(new Flaky(5)::call, BackoffTest::retryable);

        assertThat(one.sleeps).hasSize(5).isEqualTo(two.sleeps);
    }

    @Test
    void retry_whenAlwaysFailing_givesUpBeforeTheWindowIsExceededAndRethrowsTheLastFailure() {
        Duration window = Duration.ofMillis(2_500);
        long seed = 11;
        RecordingSleeper sleeper = new RecordingSleeper();
        Backoff backoff = new Backoff(BASE, CAP, window, sleeper, new Random(seed));
        Flaky never = new Flaky(Integer.MAX_VALUE);

        Throwable thrown = catchThrowable(() -> backoff.retry(never::call, BackoffTest::retryable));

        assertThat(thrown).isInstanceOf(Retryable.class);
        int calls = never.calls.get();
        assertThat(((Retryable) thrown).attempt).as("the last failure is rethrown").isEqualTo(calls - 1);
        assertThat(sleeper.sleeps).hasSize(calls - 1);
        assertThat(sleeper.sleeps.size()).as("it did retry several times").isGreaterThan(2);
        assertThat(sleeper.total()).isLessThanOrEqualTo(window);

        // Replaying the same random draws: the pause after the last call is the one that would have passed the window.
        Random replay = new Random(seed);
        Duration total = Duration.ZERO;
        for (int attempt = 0; attempt < calls; attempt++) {
            long ceiling = Math.min(CAP.toMillis(), BASE.toMillis() << attempt);
            Duration pause = Duration.ofMillis(replay.nextLong(ceiling + 1));
            if (attempt < calls - 1) {
                assertThat(pause).isEqualTo(sleeper.sleeps.get(attempt));
                total = total.plus(pause);
            } else {
                assertThat(total.plus(pause)).as("the next pause would exceed the window").isGreaterThan(window);
            }
        }
    }

    @Test
    void retry_whenFailureIsNotRetryable_throwsAtOnceWithoutSleeping() {
        RecordingSleeper sleeper = new RecordingSleeper();
        Backoff backoff = new Backoff(BASE, CAP, Duration.ofMinutes(10), sleeper, new Random(1));
        AtomicInteger calls = new AtomicInteger();
        Fatal fatal = new Fatal();

        assertThatThrownBy(() -> backoff.retry(() -> {
            calls.incrementAndGet();
            throw fatal;
        }, BackoffTest::retryable)).isSameAs(fatal);

        assertThat(calls).hasValue(1);
        assertThat(sleeper.sleeps).isEmpty();
    }

    @Test
    void retry_whenRetryableThenFatal_rethrowsTheFatalFailureAfterOneSleep() {
        RecordingSleeper sleeper = new RecordingSleeper();
        Backoff backoff = new Backoff(BASE, CAP, Duration.ofMinutes(10), sleeper, new Random(1));
        AtomicInteger calls = new AtomicInteger();

        assertThatThrownBy(() -> backoff.retry(() -> {
            if (calls.getAndIncrement() == 0) {
                throw new Retryable(0);
            }
            throw new Fatal();
        }, BackoffTest::retryable)).isInstanceOf(Fatal.class);

        assertThat(calls).hasValue(2);
        assertThat(sleeper.sleeps).hasSize(1);
    }

    @Test
    void retry_whenWindowIsZero_doesNotRetry() {
        RecordingSleeper sleeper = new RecordingSleeper();
        Backoff backoff = new Backoff(BASE, CAP, Duration.ZERO, sleeper, new Random(1));
        Flaky flaky = new Flaky(1);

        assertThatThrownBy(() -> backoff.retry(flaky::call, BackoffTest::retryable))
                .isInstanceOf(Retryable.class)
                .hasMessage("AccessDenied on attempt 0");

        assertThat(flaky.calls).hasValue(1);
        assertThat(sleeper.sleeps).isEmpty();
    }

    @Test
    void retry_whenFirstCallSucceeds_neverSleeps() {
        RecordingSleeper sleeper = new RecordingSleeper();
        Backoff backoff = new Backoff(BASE, CAP, Duration.ofMinutes(10), sleeper, new Random(1));

        assertThat(backoff.retry(() -> "first", BackoffTest::retryable)).isEqualTo("first");
        assertThat(sleeper.sleeps).isEmpty();
    }

    @Test
    void retry_whenSleepIsInterrupted_rethrowsTheFailureAndKeepsTheInterruptFlag() {
        Backoff backoff = new Backoff(BASE, CAP, Duration.ofMinutes(10), d -> {
            throw new InterruptedException();
        }, new Random(1));
        Flaky flaky = new Flaky(5);

        try {
            assertThatThrownBy(() -> backoff.retry(flaky::call, BackoffTest::retryable))
                    .isInstanceOf(Retryable.class)
                    .hasMessage("AccessDenied on attempt 0");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(flaky.calls).hasValue(1);
    }

    private static Throwable catchThrowable(Runnable action) {
        try {
            action.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }
}
