package dev.vfork4j.cli.bench;

import dev.vfork4j.cli.CodePath;
import static dev.vfork4j.cli.bench.BenchMechanism.FORK;
import static dev.vfork4j.cli.bench.BenchMechanism.JDK_FORK;
import static dev.vfork4j.cli.bench.BenchMechanism.JDK_POSIX_SPAWN;
import static dev.vfork4j.cli.bench.BenchMechanism.JDK_VFORK;
import static dev.vfork4j.cli.bench.BenchMechanism.POSIX_SPAWN;
import static dev.vfork4j.cli.bench.BenchMechanism.VFORK;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchPlanTest {

    @Test
    void eachJdkLaunchModeGetsAJvmOfItsOwnAndForkRunsLastInItsJvm() {
        BenchPlan plan = new BenchPlan(List.of(2048, 256), List.of(10_000, 10),
            List.of(JDK_VFORK, FORK, VFORK, JDK_FORK, POSIX_SPAWN, JDK_POSIX_SPAWN), 100, 5, 1000);
        List<BenchPlan.WorkerJob> jobs = plan.jobs();
        assertThat(jobs).hasSize(2 * 2 * 3);
        assertThat(jobs.subList(0, 3)).containsExactly(
            new BenchPlan.WorkerJob(256, 10, "POSIX_SPAWN", List.of(VFORK, POSIX_SPAWN, JDK_POSIX_SPAWN, FORK)),
            new BenchPlan.WorkerJob(256, 10, "FORK", List.of(JDK_FORK)),
            new BenchPlan.WorkerJob(256, 10, "VFORK", List.of(JDK_VFORK)));
        assertThat(jobs.stream().map(j -> j.heapMb() + "/" + j.openFds()).distinct())
            .containsExactly("256/10", "2048/10", "256/10000", "2048/10000");
        assertThat(plan.steps()).isEqualTo(4 * (5 + 2 + 2));
    }

    @Test
    void onlyTheJdkModesAskedForGetJvms() {
        BenchPlan plan = new BenchPlan(List.of(64), List.of(0), List.of(JDK_FORK), 1, 0, 100);
        assertThat(plan.jobs()).containsExactly(new BenchPlan.WorkerJob(64, 0, "FORK", List.of(JDK_FORK)));
    }

    @Test
    void workerCommandSetsTheHeapTheLaunchModeAndNativeAccess() {
        BenchPlan plan = new BenchPlan(List.of(512), List.of(7), List.of(VFORK, JDK_POSIX_SPAWN), 30, 2, 1500);
        List<String> command = plan.jobs().getFirst().command(plan, Path.of("/jdk/bin/java"), CodePath.classPath("a.jar"));
        assertThat(command).containsExactly("/jdk/bin/java", "--enable-native-access=ALL-UNNAMED",
            "-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch", "-Djdk.lang.Process.launchMechanism=POSIX_SPAWN",
            "-cp", "a.jar", "dev.vfork4j.cli.bench.BenchWorker", "7", "30", "2", "1500", "VFORK,JDK_POSIX_SPAWN");
    }

    @Test
    void aWorkerOfACliOnTheModulePathRunsOnTheModulePath() {
        BenchPlan plan = new BenchPlan(List.of(64), List.of(0), List.of(VFORK), 1, 0, 100);
        List<String> command = plan.jobs().getFirst().command(plan, Path.of("java"), new CodePath(true, "/m"));
        assertThat(command).containsSubsequence("java", "--enable-native-access=dev.vfork4j,dev.vfork4j.cli,org.jline.nativ",
            "--module-path", "/m", "-m", "dev.vfork4j.cli/" + BenchWorker.class.getName(), "0", "1");
    }
}
