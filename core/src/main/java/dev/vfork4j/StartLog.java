package dev.vfork4j;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The record of each started child that JDK 25's {@link ProcessBuilder#start()} writes, written
 * the same way for children vfork4j starts, so audits that rely on it still see every start.
 *
 * <p>As in the JDK: when the {@link System.Logger} is loggable at {@link Level#DEBUG}, one
 * record {@code <origin>: pid: <pid>, dir: <dir or null>, cmd: "<program>"} with a
 * RuntimeException {@code "<origin> debug"} for the stack trace; at {@link Level#TRACE}, the
 * record is at TRACE and {@code cmd} lists every argument, {@code "a" "b" "c"}. Nothing is
 * formatted when the logger is off. With java.util.logging (the default backend) DEBUG is
 * FINE and TRACE is FINER.
 *
 * <p>The first {@link System#getLogger} of a JVM costs some 10-20 ms (it loads the LoggerFinder,
 * which scans the class path for providers, and java.util.logging, which reads its
 * configuration): a fresh JVM's first spawn would pay it, as the JDK's first
 * {@code pb.start()} does, while a program that spawns through FFM alone pays nothing. So the
 * first start {@link #prefetch() looks the logger up} on a thread of its own while it makes
 * the child, and {@link #started} waits for that lookup, which is over by then, and logs as
 * before: every start is logged, before {@code start()} returns, on the thread that started it,
 * and a LoggerFinder or handler that throws still fails that start. Should the thread not
 * start (no thread can be created now), the fd table have little room (the JDK's lookup would
 * meet EMFILE in a static initialiser and break System.getLogger for the JVM's life), or the
 * lookup fail, {@link #started} looks the logger up itself, after the child is made, as it
 * always did; a failed lookup is never kept.
 */
enum StartLog {
    /** Vfork4j.start(pb): the JDK's own logger name and words, so nothing tells the two apart. */
    PROCESS_BUILDER("java.lang.ProcessBuilder", "ProcessBuilder.start()"),
    /** vfork4j's own API: the same record under its own logger name. */
    COMMAND("dev.vfork4j.Command", "Command.start()"),
    /**
     * The agent's starts, made inside java.lang.ProcessImpl.start: ProcessBuilder.start() logs
     * them itself once that returns, so nothing is recorded here.
     */
    NONE("java.lang.ProcessBuilder", "ProcessBuilder.start()");

    private final String loggerName;
    private final String origin;
    /** Looked up at the first start, not at class initialisation (a misconfigured LoggerFinder may throw). */
    private volatile Logger logger;
    /** The lookup under way on a thread of its own, or null. Guarded by this. */
    private Lookup lookup;

    StartLog(String loggerName, String origin) {
        this.loggerName = loggerName;
        this.origin = origin;
    }

    /** True when a start with {@code mechanism} is recorded here (the JDK mechanism logs its own ProcessBuilder starts). */
    private boolean records(Mechanism mechanism) {
        return this != NONE && !(this == PROCESS_BUILDER && mechanism == Mechanism.JDK);
    }

    /**
     * Called at the beginning of a start: unless the logger is known or being looked up, starts
     * looking it up on a thread of its own, so that {@link #started} does not wait for a lookup
     * the start could have made meanwhile. Never throws.
     *
     * @param mechanism the start's mechanism, or null when it is not known yet
     */
    void prefetch(Mechanism mechanism) {
        if (logger != null || this == NONE || (mechanism != null && !records(mechanism))) {
            return;
        }
        synchronized (this) {
            if (lookup != null) {
                return;
            }
            Lookup l = new Lookup(loggerName);
            try {
                Thread t = new Thread(l, "vfork4j-logger-lookup");
                t.setDaemon(true);
                t.start();
                lookup = l;
            } catch (RuntimeException | OutOfMemoryError e) {
                // no thread now ("unable to create native thread"): started() looks the logger up itself
            }
        }
    }

    /** System.getLogger(name) on its own thread; its result, or that it failed, once {@link #await()} returns. */
    private static final class Lookup implements Runnable {
        /** Free fds below which the lookup waits for {@link #started}: a start takes up to 8, the lookup a few. */
        static final int FDS_TO_SPARE = 32;
        private final String name;
        private final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        private volatile Logger found;

        Lookup(String name) {
            this.name = name;
        }

        @Override
        public void run() {
            try {
                if (fdsToSpare()) {
                    found = System.getLogger(name);
                }
            } catch (Throwable t) {
                // started() looks the logger up itself and gets the failure there, on the starting thread
            } finally {
                done.countDown();
            }
        }

        /**
         * Whether the fd table has room for the lookup beside the start it runs with. The JDK's
         * first lookup opens files (the service scan, logging.properties) in static initialisers
         * of its own: one that meets EMFILE leaves {@code BootstrapLogger$DetectBackend}
         * unusable for the JVM's life, and every later System.getLogger with it. Without the
         * lookup here, a start that meets a full table fails with EMFILE before
         * {@link #started} would look the logger up, as it did before there was a prefetch. Read
         * from /proc, so that the check itself takes no more than one fd at a time.
         */
        private static boolean fdsToSpare() {
            try {
                long limit = -1;
                for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                    if (line.startsWith("Max open files")) {
                        String soft = line.substring("Max open files".length()).strip().split("\\s+")[0];
                        limit = soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
                    }
                }
                long open;
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
                    open = 0;
                    for (Path ignored : fds) {
                        open++;
                    }
                }
                return limit - open >= FDS_TO_SPARE;
            } catch (IOException | RuntimeException e) {
                return false; // no room even to look, or no /proc: started() looks it up after the child is made
            }
        }

        /** The logger, or null when the lookup failed; waits for the lookup, keeping an interrupt for later. */
        Logger await() {
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return found;
        }
    }

    /** The logger: from the prefetching thread when one was started, else looked up here. */
    private Logger logger() {
        Logger l = logger;
        if (l != null) {
            return l;
        }
        Lookup pending;
        synchronized (this) {
            pending = lookup;
        }
        if (pending != null) {
            l = pending.await();
            synchronized (this) {
                lookup = null; // a failed lookup is not kept: the next start may prefetch again
            }
        }
        if (l == null) {
            l = System.getLogger(loggerName); // what a failed lookup threw, it throws here, failing this start
        }
        logger = l;
        return l;
    }

    /** Records a child started with {@code mechanism}. */
    void started(long pid, Path directory, List<String> argv, Mechanism mechanism) {
        if (!records(mechanism)) {
            return; // the JDK's ProcessBuilder.start(), called by the JDK mechanism, has logged it
        }
        Logger l = logger();
        if (!l.isLoggable(Level.DEBUG)) {
            return;
        }
        boolean arguments = l.isLoggable(Level.TRACE);
        String cmd = arguments ? String.join("\" \"", argv) : argv.getFirst();
        l.log(arguments ? Level.TRACE : Level.DEBUG,
            origin + ": pid: " + pid + ", dir: " + directory + ", cmd: \"" + cmd + "\"",
            new RuntimeException(origin + " debug"));
    }
}
