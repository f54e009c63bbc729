package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The value: checked where it enters, printed as time(1) prints, compared by every figure, no memory figure. */
class ResourceUsageTest {

    @Test
    void holdsItsFiguresAndSumsTheCpu() {
        ResourceUsage u = ResourceUsage.of(Duration.ofMillis(310), Duration.ofMillis(20), Duration.ofMillis(400),
            ResourceUsage.Scope.CHILD);
        assertThat(u.userTime()).isEqualTo(Duration.ofMillis(310));
        assertThat(u.systemTime()).isEqualTo(Duration.ofMillis(20));
        assertThat(u.cpuTime()).isEqualTo(Duration.ofMillis(330));
        assertThat(u.wallTime()).isEqualTo(Duration.ofMillis(400));
        assertThat(u.peakMemory()).isEmpty();
        assertThat(u).hasToString("0.31s user 0.02s system 0.40s wall (child)")
            .isEqualTo(ResourceUsage.of(Duration.ofMillis(310), Duration.ofMillis(20), Duration.ofMillis(400),
                ResourceUsage.Scope.CHILD))
            .isNotEqualTo(ResourceUsage.of(Duration.ofMillis(310), Duration.ofMillis(20), Duration.ofMillis(400),
                ResourceUsage.Scope.CGROUP));
    }

    @Test
    void negativeOrMissingFiguresAreRefused() {
        assertThatThrownBy(() -> ResourceUsage.of(Duration.ofMillis(-1), Duration.ZERO, Duration.ZERO, ResourceUsage.Scope.CHILD))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("userTime must not be negative: PT-0.001S");
        assertThatThrownBy(() -> ResourceUsage.of(Duration.ZERO, Duration.ZERO, Duration.ZERO, null))
            .isInstanceOf(NullPointerException.class).hasMessage("scope");
    }

    @Test
    void aStatusWithUsageEqualsOneWithout() {
        ResourceUsage u = ResourceUsage.of(Duration.ZERO, Duration.ZERO, Duration.ZERO, ResourceUsage.Scope.CHILD);
        ExitStatus with = ExitStatus.exited(0).withUsage(u);
        assertThat(with.usage()).contains(u);
        assertThat(ExitStatus.exited(0).usage()).isEmpty();
        assertThat(with).isEqualTo(ExitStatus.exited(0)).hasSameHashCodeAs(ExitStatus.exited(0));
        assertThat(new Output(with, new byte[0], new byte[0])).isEqualTo(new Output(ExitStatus.exited(0), new byte[0], new byte[0]));
    }
}
