package dev.vfork4j.cli.bench;

import java.util.List;
import java.util.Optional;

/**
 * One line a {@link BenchWorker} prints on its stdout, and its parsing by {@code bench}: tab
 * separated, behind a marker, so that anything else on the stream (a JVM warning, a child
 * that writes) is told apart and cannot be misread as a figure.
 */
sealed interface WorkerReport {

    String MARKER = "vfork4j-bench";

    /** The worker has filled its heap and opened its fds: what a clone has to copy from it. */
    record Ready(long heapMb, long rssKb, long pageTablesKb, long openFds) implements WorkerReport {
        @Override
        public String format() {
            return line("ready", heapMb, rssKb, pageTablesKb, openFds);
        }
    }

    /** How far the worker is with one mechanism, in thousandths. */
    record Progress(BenchMechanism mechanism, int permille) implements WorkerReport {
        @Override
        public String format() {
            return line("progress", mechanism, permille);
        }
    }

    /** A mechanism that cannot run here, and why. */
    record Skipped(BenchMechanism mechanism, String reason) implements WorkerReport {
        @Override
        public String format() {
            return line("skipped", mechanism, reason.replaceAll("\\s+", " "));
        }
    }

    /** One mechanism's timings, in nanoseconds. */
    record Result(BenchMechanism mechanism, int spawns, long meanNs, long p50Ns, long p99Ns) implements WorkerReport {
        @Override
        public String format() {
            return line("result", mechanism, spawns, meanNs, p50Ns, p99Ns);
        }
    }

    String format();

    private static String line(String kind, Object... fields) {
        StringBuilder sb = new StringBuilder(MARKER).append('\t').append(kind);
        for (Object f : fields) {
            sb.append('\t').append(f);
        }
        return sb.toString();
    }

    /**
     * The report on that line; empty for a line without the marker.
     *
     * @throws IllegalArgumentException for a marked line that is not a report: a worker of
     *     another version, or a bug
     */
    static Optional<WorkerReport> parse(String line) {
        List<String> f = List.of(line.split("\t", -1));
        if (f.size() < 2 || !f.get(0).equals(MARKER)) {
            return Optional.empty();
        }
        try {
            WorkerReport report = switch (f.get(1)) {
                case "ready" -> new Ready(num(f, 2), num(f, 3), num(f, 4), num(f, 5));
                case "progress" -> new Progress(BenchMechanism.valueOf(f.get(2)), (int) num(f, 3));
                case "skipped" -> new Skipped(BenchMechanism.valueOf(f.get(2)), f.get(3));
                case "result" -> new Result(BenchMechanism.valueOf(f.get(2)), (int) num(f, 3),
                    num(f, 4), num(f, 5), num(f, 6));
                default -> throw new IllegalArgumentException("unknown kind " + f.get(1));
            };
            return Optional.of(report);
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a worker report (" + e.getMessage() + "): " + line, e);
        }
    }

    private static long num(List<String> fields, int i) {
        return Long.parseLong(fields.get(i));
    }
}
