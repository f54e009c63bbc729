package dev.vfork4j.bench;

import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Redirect;
import java.util.Arrays;
import java.util.Locale;

/**
 * Spawn + wait of {@code /bin/true}, ordinary and {@code contained()}, alternately in one JVM,
 * so that both see the same load: on a machine shared with other work, two JMH benchmarks run
 * one after the other can differ by more than the cost measured ({@link ContainedSpawnBenchmark}).
 * Prints p10, p50 and p90 of each, in microseconds.
 *
 * <pre>{@code java --enable-native-access=ALL-UNNAMED -cp bench/target/vfork4j-benchmarks.jar \
 *     dev.vfork4j.bench.ContainedSpawnCost 2000 VFORK}</pre>
 */
public final class ContainedSpawnCost {
    private ContainedSpawnCost() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        Mechanism m = Mechanism.valueOf(args.length > 1 ? args[1] : "VFORK");
        Command ordinary = Command.of("/bin/true").mechanism(m)
            .stdin(Redirect.INHERIT).stdout(Redirect.INHERIT).stderr(Redirect.INHERIT);
        Command contained = ordinary.contained();
        for (int i = 0; i < 500; i++) {
            ordinary.start().waitFor();
            contained.start().waitFor();
        }
        long[] o = new long[n];
        long[] c = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            ordinary.start().waitFor();
            long t1 = System.nanoTime();
            contained.start().waitFor();
            long t2 = System.nanoTime();
            o[i] = t1 - t0;
            c[i] = t2 - t1;
        }
        Arrays.sort(o);
        Arrays.sort(c);
        System.out.printf(Locale.ROOT, "%s, %d pairs, spawn + wait of /bin/true, us: ordinary p10 %d p50 %d p90 %d;"
            + " contained p10 %d p50 %d p90 %d%n", m, n, o[n / 10] / 1000, o[n / 2] / 1000, o[n * 9 / 10] / 1000,
            c[n / 10] / 1000, c[n / 2] / 1000, c[n * 9 / 10] / 1000);
    }
}
