package dev.vfork4j.loop;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a {@link PipeReader} puts each chunk it reads: the loop's own view of the public
 * ChunkHandler (which the API adapts to it), so that this package depends on nothing but
 * {@code linux}.
 */
@FunctionalInterface
public interface ChunkSink {
    /**
     * Takes the next chunk, in the order the bytes were written, one call at a time.
     *
     * @param chunk read-only, valid only during this call
     * @throws IOException when the chunk cannot be taken: the reader stops delivering and fails with it
     */
    void accept(ByteBuffer chunk) throws IOException;
}
