package dev.vfork4j.bench;

import dev.vfork4j.Mechanism;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints, comma-separated, which of the mechanisms named in the arguments are available
 * here, for {@code bench/run.sh} to pass as {@code -p mechanism=...}; says on stderr why
 * each of the others is skipped. Exits with 1 when none is available.
 *
 * <pre>{@code java --enable-native-access=ALL-UNNAMED -cp vfork4j-benchmarks.jar \
 *     dev.vfork4j.bench.AvailableMechanisms POSIX_SPAWN VFORK FORK}</pre>
 */
public final class AvailableMechanisms {
    private AvailableMechanisms() {}

    public static void main(String[] args) {
        List<String> available = new ArrayList<>();
        for (String name : args) {
            Mechanism m = Mechanism.valueOf(name);
            m.unavailableReason().ifPresentOrElse(
                why -> System.err.println("skipping mechanism " + m + ": " + why),
                () -> available.add(m.name()));
        }
        System.out.println(String.join(",", available));
        if (available.isEmpty()) {
            System.exit(1);
        }
    }
}
