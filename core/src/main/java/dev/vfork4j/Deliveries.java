package dev.vfork4j;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a verb waits for beyond a child's exit: the feeding of stdin, the handlers' and
 * captures' ends of stream, and the Output they make. Shared by both kinds of child.
 */
final class Deliveries {
    /** What output() keeps of stdout and stderr; null where nothing is captured. */
    final Capture stdout, stderr;
    private final List<Awaited> awaited = new ArrayList<>();
    private final String program;
    /** A stream was cut short by the wait delay: the Output is incomplete. */
    private volatile boolean incomplete;

    /** Why a transfer was stopped by the wait delay: not a failure, but an incomplete Output. */
    static final class CutShort extends IOException {
        private static final long serialVersionUID = 1L;

        CutShort(String program, java.time.Duration delay) {
            super("the pipe of " + program + " had not reached its end " + HumanDuration.format(delay)
                + " after the exit (waitDelay): a process it left behind holds it; closed");
        }
    }

    /** Notes that a stream was cut short by the wait delay. */
    void cutShort() {
        incomplete = true;
    }

    /** One transfer the verbs wait for, and what to call it when it fails. */
    private record Awaited(CompletableFuture<Void> done, String what) {}

    Deliveries(ChildIo io) {
        boolean output = io.verb() == ChildIo.Verb.OUTPUT;
        IoOptions o = io.options();
        this.stdout = output && o.onStdout() == null ? new Capture(o.maxOutput()) : null;
        this.stderr = output && o.onStderr() == null ? new Capture(o.maxOutput()) : null;
        this.program = io.program();
    }

    /**
     * A transfer that run(), output() and waitFor() must wait for: it must complete by the
     * child's exit or its stream's end, never later.
     *
     * @param what how the failure names it: "the onStdout handler", "feeding stdin"…
     */
    void await(CompletableFuture<Void> done, String what) {
        awaited.add(new Awaited(done, what));
    }

    /** {@code exit}, completed only once every awaited transfer has ended too. */
    CompletableFuture<ExitStatus> completion(CompletableFuture<ExitStatus> exit) {
        CompletableFuture<?>[] all = new CompletableFuture<?>[awaited.size() + 1];
        all[0] = exit;
        for (int i = 0; i < awaited.size(); i++) {
            all[i + 1] = awaited.get(i).done().exceptionally(t -> null); // a failure is reported by output()
        }
        return CompletableFuture.allOf(all).thenCompose(v -> exit);
    }

    /**
     * After completion: the captured output, or the first failed transfer as an IOException
     * whose cause is what it threw (not after a timeout, which cut them short).
     */
    Output output(ExitStatus status, boolean timedOut) throws IOException {
        for (Awaited a : awaited) {
            if (a.done().isCompletedExceptionally() && !timedOut && !(a.done().exceptionNow() instanceof CutShort)) {
                Throwable cause = a.done().exceptionNow();
                throw new IOException(a.what() + " of " + program + " failed: " + cause, cause);
            }
        }
        boolean truncated = (stdout != null && stdout.truncated()) || (stderr != null && stderr.truncated());
        return new Output(status, stdout == null ? new byte[0] : stdout.bytes(),
            stderr == null ? new byte[0] : stderr.bytes(), truncated, incomplete);
    }
}
