package dev.vfork4j.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerReportTest {

    @Test
    void everyReportReadsBackAsWritten() {
        List<WorkerReport> reports = List.of(
            new WorkerReport.Ready(2048, 2_150_000, 4_300, 10_027),
            new WorkerReport.Progress(BenchMechanism.FORK, 420),
            new WorkerReport.Skipped(BenchMechanism.VFORK, "no clone3"),
            new WorkerReport.Result(BenchMechanism.JDK_VFORK, 1000, 612_345, 598_000, 1_203_999));
        for (WorkerReport r : reports) {
            assertThat(WorkerReport.parse(r.format())).contains(r);
        }
    }

    @Test
    void aReasonWithTabsOrNewlinesStaysOneField() {
        WorkerReport.Skipped s = new WorkerReport.Skipped(BenchMechanism.FORK, "one\ttwo\nthree");
        assertThat(WorkerReport.parse(s.format())).contains(new WorkerReport.Skipped(BenchMechanism.FORK, "one two three"));
    }

    @Test
    void linesWithoutTheMarkerAreNotReports() {
        assertThat(WorkerReport.parse("OpenJDK 64-Bit Server VM warning: something")).isEmpty();
        assertThat(WorkerReport.parse("")).isEmpty();
        assertThat(WorkerReport.parse("vfork4j-bench")).isEmpty();
    }

    @Test
    void aMarkedLineThatIsNoReportIsAnError() {
        assertThatThrownBy(() -> WorkerReport.parse("vfork4j-bench\tresult\tFORK\tmany"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a worker report");
        assertThatThrownBy(() -> WorkerReport.parse("vfork4j-bench\tresult\tSPOON\t1\t2\t3\t4"))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WorkerReport.parse("vfork4j-bench\tdone"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown kind done");
    }

    @Test
    void percentilesAreNearestRank() {
        long[] sorted = new long[100];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = i + 1;
        }
        assertThat(BenchWorker.percentile(sorted, 50)).isEqualTo(50);
        assertThat(BenchWorker.percentile(sorted, 99)).isEqualTo(99);
        assertThat(BenchWorker.percentile(new long[] {7}, 99)).isEqualTo(7);
        assertThat(BenchWorker.percentile(new long[] {1, 2, 3}, 50)).isEqualTo(2);
        assertThat(BenchWorker.percentile(new long[] {1, 2, 3}, 99)).isEqualTo(3);
    }
}
