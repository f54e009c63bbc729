package dev.vfork4j.bench.scale;

import dev.vfork4j.Child;
import dev.vfork4j.Command;
import dev.vfork4j.Output;
import dev.vfork4j.Redirect;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * When the kernel reported each exit, as perf records it: the SIGCHLD that every exiting child
 * sends its parent (tracepoint {@code signal:signal_generate}, sig 17), on CLOCK_MONOTONIC —
 * System.nanoTime's clock. The kernel sends that signal from {@code exit_notify}, in the same
 * step that makes the child a zombie and wakes its pidfd: the first instant at which any waiter
 * can know of the exit. From a child's last instruction to it runs the kernel's tearing down
 * of the child (its memory above all); from it to the parent's noticing runs the waiter's own
 * latency, the part a process library can do anything about.
 *
 * <p>Needs {@code perf} (6.1 here: {@code --control}, {@code --synth=no}) and {@code mkfifo} on
 * the PATH, and leave to trace the whole system (root, or {@code kernel.perf_event_paranoid} ≤
 * -1 with access to tracefs); {@link #start} says why not otherwise.
 */
final class KernelExits implements AutoCloseable {
    private final String perfProgram;
    private final Child perf;
    private final Path dir;
    private final Path data;
    private boolean stopped;

    private KernelExits(String perfProgram, Child perf, Path dir, Path data) {
        this.perfProgram = perfProgram;
        this.perf = perf;
        this.dir = dir;
        this.data = data;
    }

    /** Starts recording, or gives the reason it cannot be done here. */
    static Result start() throws IOException, InterruptedException {
        return start("perf", "mkfifo");
    }

    /**
     * {@link #start()} with the perf and mkfifo programs named (tests name missing ones). perf
     * starts with its events disabled and without reading /proc for the tasks already running
     * (which took seconds beside the JDK's 10,000 reaper threads, while exits went unrecorded);
     * on return it has acknowledged enabling them, so every exit from then on is recorded.
     */
    static Result start(String perfProgram, String mkfifoProgram) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("vfork4j-exits");
        Path data = dir.resolve("perf.data");
        Path log = dir.resolve("perf.log");
        Path ctl = dir.resolve("ctl");
        Path ack = dir.resolve("ack");
        Child perf = null;
        String whyNot = null;
        try {
            whyNot = makeFifos(mkfifoProgram, ctl, ack);
            if (whyNot == null) {
                try {
                    // started by vfork4j, not ProcessBuilder, whose reaper thread would be counted
                    // in the thread figures measured around it
                    perf = Command.of(perfProgram, "record", "-q", "--synth=no", "-D", "-1", "--control", "fifo:" + ctl + "," + ack,
                        "-e", "signal:signal_generate", "--filter", "sig == 17", "-k", "CLOCK_MONOTONIC", "-a", "-m", "4M",
                        "-o", data.toString()).stdin(Redirect.DISCARD).stdout(Redirect.DISCARD).stderr(Redirect.to(log)).start();
                } catch (IOException noPerf) {
                    whyNot = "perf cannot be started: " + noPerf.getMessage();
                }
                if (perf != null) {
                    whyNot = enable(perf, ctl, ack);
                }
            }
            if (whyNot == null) {
                return new Result(new KernelExits(perfProgram, perf, dir, data), null);
            }
            if (perf != null) {
                perf.destroyForcibly().waitFor();
                String said = Files.readString(log).strip();
                whyNot += said.isEmpty() ? "" : ": " + said.lines().findFirst().orElseThrow();
            }
            deleteAll(dir);
            return new Result(null, whyNot);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (perf != null) {
                perf.destroyForcibly();
            }
            deleteAll(dir);
            throw e;
        }
    }

    /** Makes the two fifos perf is controlled through: null once made, else why not. */
    private static String makeFifos(String mkfifoProgram, Path ctl, Path ack) throws IOException, InterruptedException {
        Output made;
        try {
            made = Command.of(mkfifoProgram, ctl.toString(), ack.toString()).stdin(Redirect.DISCARD).output();
        } catch (IOException noMkfifo) {
            return "mkfifo cannot be started: " + noMkfifo.getMessage();
        }
        return made.status().success() ? null : "mkfifo " + made.status() + ": " + made.stderrText().strip();
    }

    /**
     * Has perf enable its events and waits for its "ack": null once done, else why not (perf
     * exited, or no answer within 30 s). Both fifos are opened read-write, so no open blocks
     * on perf's side; a reader that perf leaves waiting is released by writing the ack here.
     */
    private static String enable(Child perf, Path ctl, Path ack) throws IOException, InterruptedException {
        try (RandomAccessFile control = new RandomAccessFile(ctl.toFile(), "rw");
             RandomAccessFile answer = new RandomAccessFile(ack.toFile(), "rw")) {
            control.write("enable\n".getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<Void> acked = new CompletableFuture<>();
            // a platform thread, gone before this returns: a virtual one would start the
            // virtual-thread scheduler's carriers, which the thread figures would count
            Thread reader = Thread.ofPlatform().name("perf-ack").daemon(true).start(() -> {
                try {
                    answer.readFully(new byte[4]);
                    acked.complete(null);
                } catch (IOException e) {
                    acked.completeExceptionally(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!acked.isDone() && perf.isAlive() && System.nanoTime() - deadline < 0) {
                try {
                    acked.get(10, TimeUnit.MILLISECONDS);
                } catch (TimeoutException | ExecutionException notYet) {
                    // look again
                }
            }
            if (acked.isDone() && !acked.isCompletedExceptionally() && perf.isAlive()) {
                reader.join();
                return null;
            }
            if (!acked.isDone()) {
                answer.write("ack\n".getBytes(StandardCharsets.US_ASCII));
            }
            reader.join();
            return perf.isAlive() ? "perf record did not acknowledge 'enable' within 30 s"
                : "perf record exited with " + perf.exitValue();
        }
    }

    private static void deleteAll(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }

    /** A recording, or why there is none. */
    record Result(KernelExits recording, String whyNot) {
        Optional<KernelExits> get() {
            return Optional.ofNullable(recording);
        }

        /** The recording; an IOException with the reason when there is none. */
        KernelExits orThrow() throws IOException {
            if (recording == null) {
                throw new IOException(whyNot);
            }
            return recording;
        }
    }

    /** Whether perf is still recording (for tests). */
    boolean recording() {
        return perf.isAlive();
    }

    /** The file perf records into (for tests); gone, with its directory, once stopped or closed. */
    Path data() {
        return data;
    }

    /** Stops recording and reads it: for each pid that exited, the instants (ns) at which it did, in order. */
    Exits stop() throws IOException, InterruptedException {
        stopped = true;
        try {
            perf.destroy(); // SIGTERM: perf record finishes its file and exits
            if (!perf.waitFor(30, TimeUnit.SECONDS)) {
                perf.destroyForcibly();
                throw new IOException("perf record did not stop within 30 s of SIGTERM");
            }
            Output script = Command.of(perfProgram, "script", "-i", data.toString(), "--ns", "-F", "pid,time")
                .stdin(Redirect.DISCARD).stderr(Redirect.DISCARD).output();
            if (!script.status().success()) {
                throw new IOException("perf script: " + script.status());
            }
            return parse(script.stdoutText());
        } finally {
            deleteAll(dir);
        }
    }

    /**
     * Stops recording and throws the recording away, unless {@link #stop()} has read it: a
     * measurement that fails half-way must not leave perf tracing the system after the JVM.
     */
    @Override
    public void close() throws IOException {
        if (stopped) {
            return;
        }
        stopped = true;
        perf.destroy();
        try {
            if (!perf.waitFor(30, TimeUnit.SECONDS)) {
                perf.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            // Not a close() that swallows an interrupt: perf is killed, the interrupt kept.
            perf.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteAll(dir);
    }

    /** Reads {@code perf script -F pid,time --ns}: a line "PID SECONDS.NANOS:" per exit; other lines are skipped. */
    static Exits parse(String script) {
        Map<Long, List<Long>> at = new HashMap<>();
        for (String line : script.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 2 && f[1].endsWith(":") && f[1].indexOf('.') > 0) {
                at.computeIfAbsent(Long.parseLong(f[0]), p -> new ArrayList<>()).add(nanos(f[1].substring(0, f[1].length() - 1)));
            }
        }
        return new Exits(at);
    }

    /** "27441.282226479" (seconds, 9 decimals) in ns, without going through a double. */
    static long nanos(String seconds) {
        int dot = seconds.indexOf('.');
        String fraction = (seconds.substring(dot + 1) + "000000000").substring(0, 9);
        return Long.parseLong(seconds.substring(0, dot)) * 1_000_000_000L + Long.parseLong(fraction);
    }

    /** The recorded exits, by pid. */
    record Exits(Map<Long, List<Long>> at) {
        /** When pid's exit at or after {@code notBefore} was reported, or -1 if none was recorded. */
        long of(long pid, long notBefore) {
            for (long t : at.getOrDefault(pid, List.of())) {
                if (t >= notBefore) {
                    return t;
                }
            }
            return -1;
        }
    }
}
