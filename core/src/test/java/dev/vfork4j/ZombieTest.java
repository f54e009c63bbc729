package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every child is reaped, including the ones nobody waits for. */
@Timeout(120)
class ZombieTest {

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    /** This JVM's children that are zombies (state Z in /proc/PID/stat). */
    static List<Long> zombies() throws IOException {
        return dev.vfork4j.reliability.Health.zombies();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void childrenNobodyWaitsForAreReapedAnyway(Mechanism m) throws Exception {
        List<Child> children = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            children.add(Command.of("true").mechanism(m).stdin(Redirect.DISCARD).stdout(Redirect.DISCARD)
                .stderr(Redirect.DISCARD).start());
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (children.stream().anyMatch(Process::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(children).noneMatch(Process::isAlive);
        assertThat(children).allMatch(c -> c.exitValue() == 0);
        assertThat(zombies()).isEmpty();
    }
}
