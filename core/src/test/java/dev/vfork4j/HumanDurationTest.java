package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Durations in messages read as a person writes them, exactly, never as ISO-8601's PT3S. */
class HumanDurationTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        0             | 0 s
        1             | 1 ns
        1500          | 1.5 µs
        250000000     | 250 ms
        1500000       | 1.5 ms
        1000000000    | 1 s
        1500000000    | 1.5 s
        3000000000    | 3 s
        59999000000   | 59.999 s
        60000000000   | 1 min
        120000000000  | 2 min
        150000000000  | 2 min 30 s
        90500000000   | 1 min 30.5 s
        3600000000000 | 1 h
        5400000000000 | 1 h 30 min
        3601000000000 | 1 h 1 s
        90000000000000 | 1 d 1 h
        """)
    void formats(long nanos, String expected) {
        assertThat(HumanDuration.format(Duration.ofNanos(nanos))).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void extremesDoNotThrow() {
        assertThat(HumanDuration.format(Duration.ofMillis(Long.MAX_VALUE))).isEqualTo("106751991167 d 7 h 12 min 55.807 s");
        assertThat(HumanDuration.format(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999))).endsWith(" s");
        assertThat(HumanDuration.format(Duration.ofSeconds(-3))).isEqualTo("-3 s");
        assertThat(HumanDuration.format(Duration.ofSeconds(Long.MIN_VALUE))).isEqualTo(Duration.ofSeconds(Long.MIN_VALUE).toString());
    }

    @org.junit.jupiter.api.Test
    void timeoutMessageUsesIt() {
        ProcessTimeoutException e = new ProcessTimeoutException("sleep", Duration.ofSeconds(3),
            new Output(ExitStatus.killed(15, false), new byte[0], new byte[0]));
        assertThat(e).hasMessage("\"sleep\" timed out after 3 s and was ended: killed by SIGTERM");
    }
}
