package dev.vfork4j.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * The child's stdout or stderr pipe as the JDK's FileInputStream over it behaves, under the
 * BufferedInputStream that JdkShapedProcess puts on it (as java.lang.ProcessImpl's
 * ProcessPipeInputStream is one): a blocking read(2) ends at data or the pipe's end, never at
 * {@link Thread#interrupt()}; and a close while a read is under way does not end that read
 * (the read(2) goes on with the pipe, which Linux keeps open for it until it returns).
 *
 * <p>vfork4j's own stream answers interrupts ({@link InterruptedIOException}, the thread's
 * interrupt status set) and a close at once. An interrupted wait has read nothing, so here it
 * waits again, the status cleared meanwhile and set again when the read returns; and a close
 * while reads are under way is left to the last of them. What vfork4j's stream keeps of the
 * pipe at the child's exit is read here as ProcessPipeInputStream reads what it drained.
 */
final class JdkPipeInput extends InputStream {
    private final InputStream pipe;
    private final Object lock = new Object();
    private int reads; // guarded by lock
    private boolean closed; // guarded by lock

    JdkPipeInput(InputStream pipe) {
        this.pipe = pipe;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        synchronized (lock) {
            if (closed) {
                throw new IOException("Stream closed");
            }
            reads++;
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return pipe.read(b, off, len);
                } catch (InterruptedIOException e) {
                    // Thrown by a wait, before anything was read: wait again, the status clear meanwhile.
                    interrupted = true;
                    Thread.interrupted();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            boolean closeNow;
            synchronized (lock) {
                closeNow = --reads == 0 && closed;
            }
            if (closeNow) {
                pipe.close();
            }
        }
    }

    @Override
    public int available() throws IOException {
        return pipe.available();
    }

    @Override
    public void close() throws IOException {
        boolean closeNow;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            closeNow = reads == 0;
        }
        if (closeNow) {
            pipe.close();
        }
    }
}
