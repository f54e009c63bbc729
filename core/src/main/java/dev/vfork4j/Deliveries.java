package dev.vfork4j;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a verb waits for beyond a child's exit: the consumers' and captures' ends of stream,
 * and the Output they make. Shared by both kinds of child.
 */
final class Deliveries {
    /** What output() keeps of stdout and stderr; null where nothing is captured. */
    final Capture stdout, stderr;
    private final List<CompletableFuture<Void>> awaited = new ArrayList<>();
    private final String program;

    Deliveries(ChildIo io) {
        boolean output = io.verb() == ChildIo.Verb.OUTPUT;
        IoOptions o = io.options();
        this.stdout = output && o.onStdout() == null ? new Capture(o.maxOutput()) : null;
        this.stderr = output && o.onStderr() == null ? new Capture(o.maxOutput()) : null;
        this.program = io.program();
    }

    /** A stream's end that run(), output() and waitFor() must wait for. */
    void await(CompletableFuture<Void> done) {
        awaited.add(done);
    }

    /** {@code exit}, completed only once every awaited stream has ended too. */
    CompletableFuture<ExitStatus> completion(CompletableFuture<ExitStatus> exit) {
        CompletableFuture<?>[] all = new CompletableFuture<?>[awaited.size() + 1];
        all[0] = exit;
        for (int i = 0; i < awaited.size(); i++) {
            all[i + 1] = awaited.get(i).exceptionally(t -> null); // a failed consumer is reported by output()
        }
        return CompletableFuture.allOf(all).thenCompose(v -> exit);
    }

    /** After completion: the captured output, or the failure of a consumer (not after a timeout, which cut them short). */
    Output output(ExitStatus status, boolean timedOut) throws IOException {
        for (CompletableFuture<Void> f : awaited) {
            if (f.isCompletedExceptionally() && !timedOut) {
                Throwable cause = f.exceptionNow();
                throw new IOException("a consumer of " + program + "'s output failed: " + cause, cause);
            }
        }
        boolean truncated = (stdout != null && stdout.truncated()) || (stderr != null && stderr.truncated());
        return new Output(status, stdout == null ? new byte[0] : stdout.bytes(),
            stderr == null ? new byte[0] : stderr.bytes(), truncated);
    }
}
