package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SignalTest {

    @Test
    void numbersMatchKill() throws Exception {
        // `kill -l N` prints the name of signal N: every enum constant agrees with the shell.
        String names = Command.of("bash", "-c", "for n in $(seq 1 31); do kill -l $n; done").output().stdoutText();
        assertThat(names.lines().map(n -> "SIG" + n.strip()).toList())
            .containsExactlyElementsOf(Arrays.stream(Signal.values()).map(Signal::name).toList());
        assertThat(Signal.SIGKILL.number()).isEqualTo(9);
        assertThat(Signal.of(15)).isEqualTo(Signal.SIGTERM);
        assertThatThrownBy(() -> Signal.of(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Signal.of(32)).isInstanceOf(IllegalArgumentException.class);
    }
}
