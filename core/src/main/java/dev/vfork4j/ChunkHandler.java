package dev.vfork4j;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Receives a child's output as it arrives, one chunk at a time: the handler of
 * {@link Command#onStdout(ChunkHandler)} and {@link Command#onStderr(ChunkHandler)}. It may
 * throw {@link IOException}, so a channel's {@code write} is a handler as it is:
 *
 * <pre>{@code
 * try (FileChannel log = FileChannel.open(path, CREATE, WRITE, APPEND)) {
 *     Command.of("tail", "-n", "5", "/etc/passwd").onStdout(log::write).run();
 * }
 * }</pre>
 *
 * An exception thrown by the handler fails the command: the handler gets no more chunks, the
 * rest of the stream is read and dropped (the child is never stalled by it), and
 * {@link Command#run()} and {@link Command#output()} throw an {@link IOException} with the
 * handler's exception as its cause.
 */
@FunctionalInterface
public interface ChunkHandler {

    /**
     * Handles the next chunk of the stream. Calls come one at a time, in the order the child
     * wrote the bytes.
     *
     * @param chunk the bytes from its position to its limit; read-only, and valid only during
     *              this call (copy what must outlive it). Bytes left unread are not handed
     *              over again.
     * @throws IOException when the chunk cannot be handled; the command then fails with it
     */
    void accept(ByteBuffer chunk) throws IOException;
}
