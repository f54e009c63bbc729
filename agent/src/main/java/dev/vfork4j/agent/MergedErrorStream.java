package dev.vfork4j.agent;

import java.io.IOException;
import java.io.InputStream;

/**
 * The error stream of a child started with {@code redirectErrorStream(true)} while stderr was
 * left a pipe: the JDK then gives a pipe stream over /dev/null, always at its end, that throws
 * "Stream closed" once closed (where a redirected stream is the null stream, which never does).
 * This is that behaviour without the fd.
 */
final class MergedErrorStream extends InputStream {
    private volatile boolean closed;

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("Stream closed");
        }
    }

    @Override
    public int read() throws IOException {
        ensureOpen();
        return -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        return len == 0 ? 0 : -1;
    }

    @Override
    public int available() throws IOException {
        ensureOpen();
        return 0;
    }

    @Override
    public long skip(long n) throws IOException {
        ensureOpen();
        return 0;
    }

    @Override
    public void close() {
        closed = true;
    }
}
