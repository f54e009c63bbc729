package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Fd;
import dev.vfork4j.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Reads a pipe to its end, driven by the loop, and hands each chunk to a consumer: how
 * {@code output()} captures and how {@code onStdout} delivers, with no thread per stream.
 *
 * <ul>
 *   <li>Inline ({@code deliverOn == null}): the consumer runs on the loop thread, with a view of
 *       the loop's scratch buffer. For vfork4j's own short consumers (capture, discard).</li>
 *   <li>Handed over: each chunk is read into this reader's own buffer and the consumer runs on
 *       {@code deliverOn}; the pipe is not read again until it returns. A slow consumer so
 *       pauses its child's output (back-pressure: the child blocks on a full pipe) instead of
 *       growing the heap, and never stalls the loop or other children.</li>
 * </ul>
 *
 * The buffer handed to the consumer is read-only and valid only during the call. The fd is
 * edge-triggered; a handler reads at most {@link #READS_PER_TURN} buffers before yielding the
 * loop to other fds. {@link #done()} completes after end of stream and the last delivery; a
 * consumer that throws stops the deliveries (the rest is read and dropped, so the child is not
 * stalled) and {@code done()} fails with what it threw.
 */
public final class PipeReader {
    static final int READS_PER_TURN = 16;

    private final Fd fd;
    private final EventLoop loop;
    private final Consumer<ByteBuffer> consumer;
    private final Executor deliverOn;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    // Loop-thread state:
    private boolean delivering, finished;
    private Throwable consumerFailure;
    private Arena arena;
    private MemorySegment buffer;

    private PipeReader(int fd, EventLoop loop, Consumer<ByteBuffer> consumer, Executor deliverOn) {
        this.fd = new Fd(fd);
        this.loop = loop;
        this.consumer = consumer;
        this.deliverOn = deliverOn;
    }

    /**
     * Takes ownership of {@code fd} (O_NONBLOCK) and starts reading it.
     *
     * @param deliverOn where the consumer runs; null to run it inline on the loop thread
     */
    public static PipeReader start(int fd, EventLoop loop, Consumer<ByteBuffer> consumer, Executor deliverOn)
        throws ErrnoException {
        PipeReader r = new PipeReader(fd, loop, consumer, deliverOn);
        try {
            loop.poller().add(fd, EPOLLIN | EPOLLRDHUP | EPOLLET, events -> r.readable());
        } catch (ErrnoException e) {
            r.fd.close();
            throw e;
        }
        return r;
    }

    /** Completes after end of stream and the last delivery. */
    public CompletableFuture<Void> done() {
        return done;
    }

    /** Stops reading and releases the fd; {@link #done()} fails with {@code reason}. Any thread. */
    public void cancel(IOException reason) {
        loop.execute(() -> {
            if (!finished) {
                finish();
                done.completeExceptionally(reason);
            }
        });
    }

    private void readable() {
        if (delivering) {
            return; // the delivery reads again when the consumer returns
        }
        readSome();
    }

    private void readSome() {
        if (finished) {
            return;
        }
        MemorySegment st = loop.scratchState;
        for (int i = 0; i < READS_PER_TURN; i++) {
            boolean handOver = deliverOn != null && consumerFailure == null;
            MemorySegment buf = handOver ? ownBuffer() : loop.scratch;
            long n = LibC.read(st, fd.number(), buf, buf.byteSize());
            if (n > 0) {
                ByteBuffer view = buf.asSlice(0, n).asByteBuffer().asReadOnlyBuffer();
                if (handOver) {
                    delivering = true;
                    deliverOn.execute(() -> deliver(view));
                    return; // resumed by the delivery
                }
                if (consumerFailure == null) {
                    try {
                        consumer.accept(view);
                    } catch (RuntimeException | Error e) {
                        consumerFailure = e;
                    }
                }
                continue;
            }
            if (n == 0) {
                finish();
                if (consumerFailure != null) {
                    done.completeExceptionally(consumerFailure);
                } else {
                    done.complete(null);
                }
                return;
            }
            int errno = CallState.errno(st);
            if (errno == EAGAIN) {
                return; // the next edge calls us again
            }
            if (errno != EINTR) {
                finish();
                done.completeExceptionally(new ErrnoException("read(fd=" + fd.number() + ")", errno));
                return;
            }
        }
        loop.execute(this::readSome);
    }

    private void deliver(ByteBuffer view) {
        Throwable failure = null;
        try {
            consumer.accept(view);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        Throwable f = failure;
        loop.execute(() -> {
            delivering = false;
            if (f != null && consumerFailure == null) {
                consumerFailure = f;
            }
            if (finished) {
                releaseBuffer(); // cancelled during the delivery
                return;
            }
            // Whether or not an edge came meanwhile, read until EAGAIN: data may be waiting.
            readSome();
        });
    }

    private MemorySegment ownBuffer() {
        if (arena == null) {
            arena = Arena.ofShared();
            buffer = arena.allocate(PipeEnd.BUFFER_SIZE);
        }
        return buffer;
    }

    private void finish() {
        finished = true;
        loop.poller().remove(fd.number());
        fd.close();
        if (!delivering) {
            releaseBuffer();
        }
    }

    private void releaseBuffer() {
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }
}
