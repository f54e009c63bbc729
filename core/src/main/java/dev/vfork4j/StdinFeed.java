package dev.vfork4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * Copies a {@link Command#stdin(InputStream)} into the child's stdin pipe on a virtual thread
 * (reading an InputStream may block, so the event loop never does it), for every mechanism.
 *
 * <p>A failure to read the InputStream fails the command: {@link #done()} fails with it
 * before the pipe is closed, so it is recorded before the child can see end of file and
 * exit. A failure to write is the child no longer reading (it closed stdin, or exited), which
 * is not an error. When the child exits the copy is no longer wanted: {@link #processExited()}
 * completes {@link #done()} and interrupts the copying thread, so neither run() nor output()
 * waits for an InputStream that never returns, and the pipe is closed by its owner then.
 */
final class StdinFeed {
    private static final int CHUNK = 64 * 1024;

    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final Thread thread;

    private StdinFeed(InputStream in, OutputStream pipe, String threadName) {
        this.thread = Thread.ofVirtual().name(threadName).unstarted(() -> copy(in, pipe));
    }

    /** Starts copying {@code in} into {@code pipe}; both are closed when the copy ends. */
    static StdinFeed start(InputStream in, OutputStream pipe, String threadName) {
        StdinFeed feed = new StdinFeed(in, pipe, threadName);
        feed.thread.start();
        return feed;
    }

    /** Completes when the copy ended or the child exited; fails with what reading the InputStream threw. */
    CompletableFuture<Void> done() {
        return done;
    }

    /**
     * The child has exited: the copy stops mattering. Completes {@link #done()} (unless the
     * copy failed first) and then interrupts the copying thread, whose interruption is thereby
     * never taken for a failure. Any thread.
     */
    void processExited() {
        done.complete(null);
        thread.interrupt();
    }

    private void copy(InputStream in, OutputStream pipe) {
        byte[] buf = new byte[CHUNK];
        try (pipe) {
            while (!done.isDone()) {
                int n;
                try {
                    n = in.read(buf);
                } catch (Throwable t) {
                    done.completeExceptionally(t); // before the pipe closes: the child sees EOF only after this
                    return;
                }
                if (n < 0) {
                    break;
                }
                try {
                    pipe.write(buf, 0, n);
                } catch (IOException e) {
                    return; // the child stopped reading (broken pipe) or exited: what it did not read is not an error
                }
            }
        } catch (IOException e) {
            // Closing the pipe (the JDK's flushes its buffer) failed: the child stopped reading.
        } finally {
            closeQuietly(in);
            done.complete(null);
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException | RuntimeException e) {
            // Everything the child needed was read; a stream that fails to close changes nothing for it.
        }
    }
}
