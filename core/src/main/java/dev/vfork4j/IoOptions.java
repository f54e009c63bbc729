package dev.vfork4j;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A Command's I/O beyond redirects: what is fed to stdin, who consumes stdout and stderr as
 * they arrive, the output() limit and the timeout. Immutable.
 *
 * @param inputBuffer   stdin's content, fed from the loop (null: none)
 * @param inputStream   stdin's content, copied by a virtual thread (null: none)
 * @param onStdout      the handler of stdout as it arrives (null: none)
 * @param onStderr      the handler of stderr as it arrives (null: none)
 * @param maxOutput     what output() keeps of each stream, in bytes
 * @param timeout       null: none
 */
record IoOptions(ByteBuffer inputBuffer, InputStream inputStream, ChunkHandler onStdout,
                 ChunkHandler onStderr, long maxOutput, Duration timeout, Duration grace) {

    /** The grace between SIGTERM and SIGKILL when a timeout expires, unless one is given. */
    static final Duration DEFAULT_GRACE = Duration.ofSeconds(5);

    static final IoOptions NONE = new IoOptions(null, null, null, null, Long.MAX_VALUE, null, DEFAULT_GRACE);

    IoOptions withInput(ByteBuffer b, InputStream s) {
        return new IoOptions(b, s, onStdout, onStderr, maxOutput, timeout, grace);
    }

    IoOptions withOnStdout(ChunkHandler c) {
        return new IoOptions(inputBuffer, inputStream, c, onStderr, maxOutput, timeout, grace);
    }

    IoOptions withOnStderr(ChunkHandler c) {
        return new IoOptions(inputBuffer, inputStream, onStdout, c, maxOutput, timeout, grace);
    }

    IoOptions withMaxOutput(long max) {
        return new IoOptions(inputBuffer, inputStream, onStdout, onStderr, max, timeout, grace);
    }

    IoOptions withTimeout(Duration t, Duration g) {
        return new IoOptions(inputBuffer, inputStream, onStdout, onStderr, maxOutput, t, g);
    }

    boolean hasInput() {
        return inputBuffer != null || inputStream != null;
    }
}
