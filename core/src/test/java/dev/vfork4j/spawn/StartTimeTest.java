package dev.vfork4j.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The tick a clone's two readings of CLOCK_BOOTTIME bracket, and only when they fall in one. */
class StartTimeTest {
    private static final long TICK = 10_000_000L; // USER_HZ 100, as on every Linux

    @Test
    void readingsInOneTickGiveThatTick() {
        assertThat(StartTime.tick(42 * TICK, 42 * TICK)).isEqualTo(42);
        assertThat(StartTime.tick(42 * TICK, 43 * TICK - 1)).isEqualTo(42);
        assertThat(StartTime.millisSinceBoot(42)).isEqualTo(420);
    }

    @Test
    void readingsAcrossATickOrFailedGiveNothing() {
        assertThat(StartTime.tick(43 * TICK - 1, 43 * TICK)).isEqualTo(StartTime.UNKNOWN);
        assertThat(StartTime.tick(-1, 43 * TICK)).as("the first reading failed").isEqualTo(StartTime.UNKNOWN);
        assertThat(StartTime.tick(43 * TICK, -1)).as("the second reading failed").isEqualTo(StartTime.UNKNOWN);
        assertThat(StartTime.millisSinceBoot(StartTime.UNKNOWN)).isEqualTo(StartTime.UNKNOWN);
    }
}
