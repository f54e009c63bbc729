package dev.vfork4j.cli.bench;

import dev.vfork4j.cli.CodePath;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.vfork4j.Child;
import dev.vfork4j.Command;
import dev.vfork4j.Redirect;
import dev.vfork4j.Signal;
import dev.vfork4j.cli.lab.Plural;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a {@link BenchPlan}'s workers one after the other and gathers their rows. Each worker's
 * stderr (JVM warnings, a failure's stack trace) is appended to one log file, which a failure
 * message quotes.
 */
final class BenchRun {

    /** Why a run stopped: a worker failed, or there was not the memory for its heap. */
    static final class BenchFailure extends Exception {
        private static final long serialVersionUID = 1L;

        BenchFailure(String message) {
            super(message);
        }
    }

    /** Room for the worker JVM's own memory on top of its heap: metaspace, code, thread stacks, GC data. */
    static final long JVM_OVERHEAD_MB = 400;

    private final BenchPlan plan;
    private final Path workerLog;
    private final BenchProgress progress;
    private final List<String> notes = new ArrayList<>();

    private final Path java;
    private final CodePath code;

    /** Workers run by this JVM's own java, on this JVM's own code (module path or class path). */
    BenchRun(BenchPlan plan, Path workerLog, BenchProgress progress) {
        this(plan, workerLog, progress, Path.of(System.getProperty("java.home"), "bin", "java"), CodePath.current());
    }

    BenchRun(BenchPlan plan, Path workerLog, BenchProgress progress, Path java, CodePath code) {
        this.plan = plan;
        this.workerLog = workerLog;
        this.progress = progress;
        this.java = java;
        this.code = code;
    }

    /** Mechanisms a worker skipped and why, one line each. */
    List<String> notes() {
        return notes;
    }

    List<SpawnLatency> run() throws BenchFailure, IOException, InterruptedException {
        List<SpawnLatency> rows = new ArrayList<>();
        for (BenchPlan.WorkerJob job : plan.jobs()) {
            rows.addAll(runWorker(job, job.command(plan, java, code)));
        }
        return rows;
    }

    private List<SpawnLatency> runWorker(BenchPlan.WorkerJob job, List<String> command)
        throws BenchFailure, IOException, InterruptedException {
        checkMemoryFor(job.heapMb());
        progress.doing(job.cell() + ": starting JVM (" + job.launchMechanism() + ")");
        long logStart = Files.exists(workerLog) ? Files.size(workerLog) : 0;
        Files.writeString(workerLog, "== " + job.cell() + ", " + job.mechanisms() + ": " + String.join(" ", command) + "\n",
            UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        long started = System.nanoTime();
        Child worker = start(Command.of(command).stdin(Redirect.DISCARD).stderr(Redirect.appendTo(workerLog)));
        Duration limit = timeLimit(job);
        AtomicBoolean timedOut = new AtomicBoolean();
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                if (!worker.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                    timedOut.set(true);
                    worker.destroyForcibly();
                }
            } catch (InterruptedException e) {
                // the worker's output ended: it is exiting, or has been killed already
            }
        });

        List<SpawnLatency> rows = new ArrayList<>();
        WorkerReport.Ready ready = null;
        int next = 0; // index in job.mechanisms() of the mechanism being timed
        try (BufferedReader out = new BufferedReader(new InputStreamReader(worker.getInputStream(), UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                Optional<WorkerReport> report = WorkerReport.parse(line);
                if (report.isEmpty()) {
                    continue; // not ours: a child or the JVM wrote on the worker's stdout
                }
                switch (report.get()) {
                    case WorkerReport.Ready r -> {
                        ready = r;
                        progress.stepDone();
                    }
                    case WorkerReport.Progress p -> progress.within(p.permille());
                    case WorkerReport.Skipped s -> {
                        notes.add(s.mechanism() + " skipped at " + job.cell() + ": " + s.reason());
                        next++;
                        progress.stepDone();
                    }
                    case WorkerReport.Result r -> {
                        if (ready == null) {
                            throw new BenchFailure("worker reported a result before it was ready: " + line);
                        }
                        rows.add(SpawnLatency.of(r, job.heapMb(), job.openFds(), ready));
                        next++;
                        progress.stepDone();
                    }
                }
                if (ready != null && next < job.mechanisms().size()) {
                    progress.doing(job.cell() + ": " + job.mechanisms().get(next));
                }
            }
        } catch (BenchFailure | RuntimeException e) {
            worker.destroyForcibly();
            throw e;
        } finally {
            watchdog.interrupt();
        }
        int code = worker.waitFor();
        Files.writeString(workerLog, "== exit " + code + " after " + Math.round((System.nanoTime() - started) / 1e9) + " s\n",
            UTF_8, StandardOpenOption.APPEND);
        if (code != 0 || next != job.mechanisms().size()) {
            String why = timedOut.get()
                ? "took longer than " + limit.toSeconds() + " s and was killed"
                : "exited with " + code + " after " + next + " of " + Plural.count(job.mechanisms().size(), "mechanism");
            throw new BenchFailure("the worker JVM for " + job.cell() + " " + why + "; its stderr, from "
                + workerLog + ":\n" + tail(workerLog, logStart));
        }
        return rows;
    }

    /**
     * The worker through vfork4j itself. With VFORK or FORK it dies with this JVM (a signal to
     * the child on the parent's death); POSIX_SPAWN and the JDK cannot ask for that, and the
     * watchdog's time limit bounds it there.
     */
    private static Child start(Command command) throws IOException {
        try {
            return command.parentDeathSignal(Signal.SIGKILL).start();
        } catch (UnsupportedOperationException e) {
            return command.start();
        }
    }

    /** Generous: a worker that takes this long is stuck, not slow. */
    private Duration timeLimit(BenchPlan.WorkerJob job) {
        long startSeconds = 60 + 15L * job.heapMb() / 1024;
        long perMechanism = 60 + 2 * plan.maxMillis() / 1000;
        return Duration.ofSeconds(startSeconds + perMechanism * job.mechanisms().size());
    }

    private static void checkMemoryFor(int heapMb) throws BenchFailure, IOException {
        long availableMb = memAvailableMb();
        if (availableMb >= 0 && availableMb < heapMb + JVM_OVERHEAD_MB) {
            throw new BenchFailure("a worker with a " + heapMb + " MB heap needs about " + (heapMb + JVM_OVERHEAD_MB)
                + " MB, and MemAvailable is " + availableMb + " MB: other processes hold the rest; "
                + "wait for them or ask for smaller --heaps");
        }
    }

    /** MemAvailable from /proc/meminfo, or -1 when the kernel does not say. */
    static long memAvailableMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemAvailable:")) {
                return Long.parseLong(line.substring("MemAvailable:".length()).replace("kB", "").strip()) >> 10;
            }
        }
        return -1;
    }

    /** The last lines the log got since {@code from}: the failed worker's stderr. */
    private static String tail(Path log, long from) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long start = Math.max(from, f.length() - 4000);
            byte[] bytes = new byte[(int) (f.length() - start)];
            f.seek(start);
            f.readFully(bytes);
            return new String(bytes, UTF_8).strip();
        }
    }
}
