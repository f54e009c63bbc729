package dev.vfork4j.bench;

import dev.vfork4j.Child;
import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Redirect;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;

/**
 * Where the time of one spawn + wait goes, to set beside the C loop's: how long
 * {@code start()} takes to return, how long {@code waitFor()} then takes, and how much of that
 * wait comes after the child's exit is already visible to a direct waiter. Not a JMH benchmark:
 * a plain loop timed with System.nanoTime, as vfork_loop times itself, for reading the figures
 * of the vfork-vs-c suite, not for replacing them.
 *
 * <pre>{@code java --enable-native-access=ALL-UNNAMED -cp vfork4j-benchmarks.jar \
 *     dev.vfork4j.bench.SpawnPhases [VFORK|POSIX_SPAWN|FORK] [spawns]}</pre>
 *
 * Two loops run, after 3000 spawns of warm-up. The first times {@code start()} and
 * {@code waitFor()}. The second calls {@code waitid(P_PID, pid, WEXITED | WNOWAIT)} between
 * them, which returns as soon as the child is a zombie and leaves it for the library to reap,
 * then times what {@code waitFor()} still takes: the hand-off through the event-loop thread
 * (epoll_wait wakes, waitid, epoll_ctl DEL, close, future completed, the waiter unparked). A
 * child the loop reaped before this thread's waitid ran (ECHILD) is left out and counted.
 */
public final class SpawnPhases {
    private SpawnPhases() {}

    private static final int P_PID = 1;
    private static final int WEXITED = 4;
    private static final int WNOWAIT = 0x0100_0000;

    @SuppressWarnings("restricted") // its own binding of waitid
    public static void main(String[] args) throws Throwable {
        Mechanism mechanism = Mechanism.valueOf(args.length > 0 ? args[0] : "VFORK");
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        Linker linker = Linker.nativeLinker();
        MethodHandle waitid = linker.downcallHandle(linker.defaultLookup().find("waitid").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        MemorySegment siginfo = Arena.global().allocate(128);

        Command command = Command.of(TrueInherited.TRUE).mechanism(mechanism)
            .stdin(Redirect.INHERIT).stdout(Redirect.INHERIT).stderr(Redirect.INHERIT);
        for (int i = 0; i < 3000; i++) {
            command.start().waitFor();
        }

        long[] start = new long[n];
        long[] wait = new long[n];
        long[] total = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            Child child = command.start();
            long t1 = System.nanoTime();
            child.waitFor();
            long t2 = System.nanoTime();
            start[i] = t1 - t0;
            wait[i] = t2 - t1;
            total[i] = t2 - t0;
        }
        long[] exitVisible = new long[n];
        long[] handOff = new long[n];
        int measured = 0;
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            Child child = command.start();
            int r = (int) waitid.invokeExact(P_PID, (int) child.pid(), siginfo, WEXITED | WNOWAIT);
            long t1 = System.nanoTime();
            child.waitFor();
            long t2 = System.nanoTime();
            if (r == 0) { // else ECHILD: the loop reaped the child before this thread asked, nothing to time
                exitVisible[measured] = t1 - t0;
                handOff[measured] = t2 - t1;
                measured++;
            }
        }
        exitVisible = Arrays.copyOf(exitVisible, measured);
        handOff = Arrays.copyOf(handOff, measured);
        System.out.printf("%s, %d spawns + waits of %s, stdio inherited, medians (p90):%n", mechanism, n, TrueInherited.TRUE);
        System.out.printf("  start() returned           %7.1f us (%.1f)%n", median(start), p90(start));
        System.out.printf("  then waitFor() returned    %7.1f us (%.1f)%n", median(wait), p90(wait));
        System.out.printf("  spawn + wait               %7.1f us (%.1f)%n", median(total), p90(total));
        if (measured == 0) {
            System.out.println("  (the loop reaped every child before waitid could see it: no hand-off to time)");
            return;
        }
        System.out.printf("  exit visible to waitid     %7.1f us (%.1f) after the start() call; %d of %d children%n",
            median(exitVisible), p90(exitVisible), measured, n);
        System.out.printf("  then waitFor() returned    %7.1f us (%.1f): the hand-off through the event loop%n",
            median(handOff), p90(handOff));
    }

    private static double median(long[] nanos) {
        return quantile(nanos, 0.5);
    }

    private static double p90(long[] nanos) {
        return quantile(nanos, 0.9);
    }

    private static double quantile(long[] nanos, double q) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.round(q * (sorted.length - 1))] / 1e3;
    }
}
