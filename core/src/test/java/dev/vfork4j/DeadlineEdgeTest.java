package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A child that exits on its own right at its timeout is not reported as timed out: a
 * ProcessTimeoutException always carries the status the timeout's signal caused, never the
 * "exit code 0" of a child that had already finished when the deadline fired.
 */
@Timeout(120)
class DeadlineEdgeTest {

    static Stream<Mechanism> mechanisms() {
        // One of vfork4j's own launchers (they share NativeChild's timeout) and the JDK's.
        return Stream.of(Mechanism.best(), Mechanism.JDK).filter(Mechanism::isAvailable).distinct();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aChildExitingAtTheDeadlineIsNotATimeout(Mechanism m) throws Exception {
        Command c = Command.of("sleep", "0.05").mechanism(m).timeout(Duration.ofMillis(50));
        List<String> misreported = new ArrayList<>();
        int runs = 0, timeouts = 0;
        long end = System.nanoTime() + 40_000_000_000L;
        while (runs < 200 && System.nanoTime() < end) {
            runs++;
            try {
                ExitStatus s = c.run();
                assertThat(s.success()).as("a run that did not time out").isTrue();
            } catch (ProcessTimeoutException e) {
                timeouts++;
                ExitStatus s = e.output().status();
                // SIGTERM kills sleep; under the JDK mechanism that reads as exit code 143.
                if (!s.signalled() && s.code() == 0) {
                    misreported.add("run " + runs + ": " + e.getMessage());
                }
            }
        }
        System.out.printf("%s: %d runs, %d timed out, %d misreported%n", m, runs, timeouts, misreported.size());
        assertThat(misreported).as("timeouts reported for a child that exited on its own (of %d runs)", runs).isEmpty();
    }
}
