package dev.vfork4j;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
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
 * <p>The logger is looked up after the first successful spawn, as the JDK does: the first
 * {@link System#getLogger} of a JVM loads the LoggerFinder, which scans (and keeps open) every
 * jar of the class path, and doing that before the spawn would spend those fds while the fd table
 * may be full (a spawn failing with EMFILE never gets here).
 */
enum StartLog {
    /** Vfork4j.start(pb): the JDK's own logger name and words, so nothing tells the two apart. */
    PROCESS_BUILDER("java.lang.ProcessBuilder", "ProcessBuilder.start()"),
    /** vfork4j's own API: the same record under its own logger name. */
    COMMAND("dev.vfork4j.Command", "Command.start()");

    private final String loggerName;
    private final String origin;
    /** Looked up at the first start, not at class initialisation (a misconfigured LoggerFinder may throw). */
    private volatile Logger logger;

    StartLog(String loggerName, String origin) {
        this.loggerName = loggerName;
        this.origin = origin;
    }

    /** Records a child started with {@code mechanism}. */
    void started(long pid, Path directory, List<String> argv, Mechanism mechanism) {
        if (this == PROCESS_BUILDER && mechanism == Mechanism.JDK) {
            return; // the JDK's ProcessBuilder.start(), called by the JDK mechanism, has logged it
        }
        Logger l = logger;
        if (l == null) {
            logger = l = System.getLogger(loggerName);
        }
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
