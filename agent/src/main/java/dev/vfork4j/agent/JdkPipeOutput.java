package dev.vfork4j.agent;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * The child's stdin pipe as the JDK's FileOutputStream over it behaves, under the
 * BufferedOutputStream that JdkShapedProcess puts on it (as java.lang.ProcessImpl's
 * ProcessPipeOutputStream is one). A blocking write(2) ends when all is written or the pipe
 * fails, never at {@link Thread#interrupt()}. Once closed by the application while the child
 * runs, a write fails as FileOutputStream's native write does ("Stream Closed"); once the child
 * has exited, vfork4j's pipe is closed and fails as the JDK's null stream then does ("Stream
 * closed"): the JDK swaps that stream in at the exit, whether or not the application closed
 * the pipe before.
 *
 * <p>vfork4j's own stream answers interrupts with {@link InterruptedIOException} and does not
 * say how much of a write went through. Written here in pieces of at most {@link #PIPE_BUF},
 * which a non-blocking pipe takes whole or not at all (pipe(7)), an interrupted piece has
 * written nothing and is written again, the status cleared meanwhile and set again at the end.
 */
final class JdkPipeOutput extends OutputStream {
    /** Linux's PIPE_BUF: a write of at most this many bytes to a pipe is atomic. */
    static final int PIPE_BUF = 4096;

    private final Process child;
    private final OutputStream pipe;
    private volatile boolean closedWhileRunning;

    JdkPipeOutput(Process child) {
        this.child = child;
        this.pipe = child.getOutputStream();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closedWhileRunning && child.isAlive()) {
            throw new IOException("Stream Closed");
        }
        boolean interrupted = false;
        try {
            do {
                int piece = Math.min(len, PIPE_BUF);
                try {
                    pipe.write(b, off, piece);
                } catch (InterruptedIOException e) {
                    interrupted = true;
                    Thread.interrupted();
                    continue; // nothing of the piece went through
                }
                off += piece;
                len -= piece;
            } while (len > 0);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void flush() throws IOException {
        pipe.flush();
    }

    @Override
    public void close() throws IOException {
        if (child.isAlive()) {
            closedWhileRunning = true;
        }
        pipe.close();
    }
}
