package dev.vfork4j.bench.startup;

/**
 * The one line each measured program prints once its first child has exited:
 * {@code startup <main entry> <child exited> <status>}, the two instants in System.nanoTime
 * units. On Linux System.nanoTime reads CLOCK_MONOTONIC, one clock for every process on the
 * machine, so {@link StartupBenchmark} can set these instants beside its own record of when it
 * started the JVM. Printed piece by piece: a string concatenation would bootstrap
 * invokedynamic machinery and load classes the measured program does not otherwise need (they
 * would not count in its time to the first child, but in its total wall time).
 */
final class StartupLine {
    private StartupLine() {}

    static final String PREFIX = "startup ";
    static final String PHASE = "phase ";

    static void print(long mainEntry, long childExited, int status) {
        StringBuilder line = new StringBuilder(PREFIX);
        line.append(mainEntry).append(' ').append(childExited).append(' ').append(status);
        System.out.println(line);
    }

    /**
     * {@code phase <instant> <name>}: a step of the timed part ended at {@code instant}; the
     * runner reports each step's time from the end of the one before (the first from main entry).
     */
    static void phase(String name, long instant) {
        StringBuilder line = new StringBuilder(PHASE);
        line.append(instant).append(' ').append(name);
        System.out.println(line);
    }
}
