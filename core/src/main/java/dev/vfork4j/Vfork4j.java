package dev.vfork4j;

import java.io.IOException;

/** Entry points for code written against {@link ProcessBuilder}. */
public final class Vfork4j {
    private Vfork4j() {}

    /**
     * A drop-in for {@code pb.start()}: the same command, directory, environment and
     * redirects (redirectErrorStream included), started with {@link Mechanism#best()}.
     */
    public static Process start(ProcessBuilder pb) throws IOException {
        return Command.from(pb).start();
    }
}
