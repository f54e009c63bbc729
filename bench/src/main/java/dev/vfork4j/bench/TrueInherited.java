package dev.vfork4j.bench;

import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Redirect;
import java.io.IOException;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@code /bin/true} with stdin, stdout and stderr inherited, started through the vfork4j
 * mechanism under test or through the JDK's ProcessBuilder: the spawn and the wait alone, with
 * no pipe to make or close. Shared by the benchmarks behind the figures of
 * {@code docs/benchmarks.md}; {@code bench/run.sh SUITE} picks the mechanisms each one runs.
 */
@State(Scope.Benchmark)
public class TrueInherited {
    static final String TRUE = "/bin/true";

    @Param({"VFORK", "FORK", "POSIX_SPAWN"})
    public Mechanism mechanism;

    private Command command;

    @Setup
    public void setUp() {
        mechanism.unavailableReason().ifPresent(why -> {
            throw new IllegalStateException("mechanism " + mechanism + " is not available here, skipped: " + why);
        });
        command = Command.of(TRUE).mechanism(mechanism)
            .stdin(Redirect.INHERIT).stdout(Redirect.INHERIT).stderr(Redirect.INHERIT);
    }

    /** One spawn + wait through vfork4j; returns the exit value, 0. */
    int spawnAndWait() throws IOException, InterruptedException {
        return command.start().waitFor();
    }

    /** One spawn + wait through the JDK, with its default launch mechanism and inheritIO(). */
    static int jdkSpawnAndWait() throws IOException, InterruptedException {
        return new ProcessBuilder(TRUE).inheritIO().start().waitFor();
    }
}
