package dev.vfork4j.spawn;

import dev.vfork4j.SpawnException;
import java.io.IOException;

/** Creates a child from a resolved request. One implementation per native mechanism. */
public interface Launcher {
    /**
     * Starts the child, or leaves nothing behind.
     *
     * @throws SpawnException the child could not be started, with the step and errno
     * @throws IOException another failure before the child existed, such as an interrupted wait
     *     ({@link java.io.InterruptedIOException})
     */
    Spawned spawn(SpawnRequest request) throws IOException;
}
