package dev.vfork4j;

import dev.vfork4j.loop.ChunkSink;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** Keeps what a stream delivers, up to a limit; the rest is dropped and noted. */
final class Capture implements ChunkHandler, ChunkSink {
    private final long max;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private boolean truncated;

    Capture(long max) {
        this.max = max;
    }

    @Override
    public synchronized void accept(ByteBuffer chunk) {
        int n = chunk.remaining();
        long room = max - bytes.size();
        int keep = (int) Math.min(n, Math.max(0, room));
        if (keep < n) {
            truncated = true;
        }
        if (keep > 0) {
            byte[] b = new byte[keep];
            chunk.get(b);
            bytes.write(b, 0, keep);
        }
    }

    synchronized byte[] bytes() {
        return bytes.toByteArray();
    }

    synchronized boolean truncated() {
        return truncated;
    }
}
