package dev.vfork4j.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The JDK's boot time is used once two of the JDK's handles agree on it, and never after they disagreed. */
class JdkHandlesTest {
    private static final long BOOT = 1_764_000_000_000L;

    @Test
    void twoHandlesThatAgreeGiveTheBootTime() {
        JdkHandles.BootMillis boot = new JdkHandles.BootMillis();
        boot.learn(BOOT + 5_000, 5_000);
        assertThat(boot.get()).as("one handle is not enough").isEqualTo(JdkHandles.BootMillis.UNKNOWN);
        boot.learn(BOOT + 7_310, 7_310);
        assertThat(boot.get()).isEqualTo(BOOT);
    }

    @Test
    void handlesThatDisagreeLeaveItUnknownForGood() {
        JdkHandles.BootMillis boot = new JdkHandles.BootMillis();
        boot.learn(BOOT + 5_000, 5_000);
        boot.learn(BOOT + 7_320, 7_310);
        boot.learn(BOOT + 8_000, 8_000);
        boot.learn(BOOT + 9_000, 9_000);
        assertThat(boot.get()).isEqualTo(JdkHandles.BootMillis.UNKNOWN);
    }

    @Test
    void whatTheJdkCouldNotReadSaysNothing() {
        JdkHandles.BootMillis boot = new JdkHandles.BootMillis();
        boot.learn(0, 5_000); // isAlive0's "no start time"
        boot.learn(-1, 5_000); // its "no such process"
        boot.learn(BOOT + 5_000, -1); // the spawn did not know the child's
        boot.learn(BOOT + 6_000, 6_000);
        assertThat(boot.get()).isEqualTo(JdkHandles.BootMillis.UNKNOWN);
        boot.learn(BOOT + 6_500, 6_500);
        assertThat(boot.get()).isEqualTo(BOOT);
    }
}
