package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The start time a spawn knows of its child without reading /proc (what the agent makes the
 * JDK's ProcessHandle from) is the one /proc/PID/stat gives, for every child it is known of,
 * and it is known of most: only a clone that straddles one of /proc's 10 ms ticks leaves it
 * unknown.
 */
@Timeout(120)
class StartTimeOfChildTest {
    @ParameterizedTest
    @MethodSource("dev.vfork4j.Mechanisms#nativeOnes")
    void theStartTimeIsTheOneProcGives(Mechanism m) throws Exception {
        List<Child> children = new ArrayList<>();
        int known = 0;
        try {
            for (int i = 0; i < 200; i++) {
                Child c = ProcessImplStart.start(List.of("sleep", "30"), null, 0, null, new boolean[] {true, true, true},
                    new int[] {-1, -1, -1}, false, m, false);
                children.add(c);
                long sinceBoot = ProcessImplStart.startMillisSinceBoot(c);
                if (sinceBoot >= 0) {
                    known++;
                    assertThat(sinceBoot).as("child %d, pid %d", i, c.pid()).isEqualTo(procStartTicks(c.pid()) * 1000 / 100);
                }
            }
        } finally {
            for (Child c : children) {
                c.destroyForcibly();
                c.waitFor();
            }
        }
        // A straddle takes a clone of tens of microseconds against a 10 ms tick; even a loaded
        // machine leaves most clones inside one.
        assertThat(known).as("children whose start time the spawn knew").isGreaterThan(100);
    }

    /** Field 22 of /proc/PID/stat, starttime, in clock ticks since boot (USER_HZ, 100). */
    private static long procStartTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] afterComm = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(afterComm[19]); // field 3 is afterComm[0]
    }
}
