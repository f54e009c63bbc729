package dev.vfork4j;

import dev.vfork4j.linux.Posix;
import dev.vfork4j.loop.EventLoop;
import dev.vfork4j.loop.PipeReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The plumbing of a {@link Pipeline}: the pipes between its stages and its shared stderr, made
 * here and handed to {@link ChildStart} as each stage's fds, as {@link ChildStart} does for one
 * Command. Pipeline checks its stages before either is called (native mechanisms only).
 */
final class PipelineStart {
    private PipelineStart() {}

    /**
     * {@link Pipeline#output()}: the stages started with every stage's stderr into one pipe,
     * read by the loop, then waited for, last first.
     */
    static Output output(List<Command> stages) throws IOException, InterruptedException {
        EventLoop loop = EventLoop.shared(); // before any pipe or child: failing here leaves nothing behind
        int[] errPipe = Posix.pipe();
        Capture errors = new Capture(Long.MAX_VALUE);
        List<Child> children;
        PipeReader errReader;
        try {
            Posix.setNonBlocking(errPipe[0]);
            children = startAll(stages, ChildIo.Verb.OUTPUT, errPipe[1]);
        } catch (IOException | RuntimeException e) {
            Posix.close(errPipe[0]);
            Posix.close(errPipe[1]);
            throw e;
        }
        Posix.close(errPipe[1]);
        errReader = PipeReader.start(errPipe[0], loop, errors, null);
        Child last = children.getLast();
        ExitStatus status = null;
        boolean errorsCut;
        try {
            for (int i = children.size() - 1; i >= 0; i--) {
                ExitStatus s = children.get(i).awaitStatus();
                if (status == null && !s.success()) {
                    status = s;
                }
            }
            errorsCut = awaitErrors(errReader, stages);
        } catch (InterruptedException e) {
            children.forEach(Child::abandon);
            errReader.cancel(new IOException("interrupted"));
            throw e;
        }
        for (Child stage : children.subList(0, children.size() - 1)) {
            stage.captured(stage.exitStatus()); // throws when feeding its stdin or its onStderr handler failed
        }
        Output lastOut = last.captured(last.exitStatus());
        return new Output(status != null ? status : ExitStatus.exited(0), lastOut.stdout(), errors.bytes(),
            lastOut.truncated(), lastOut.incomplete() || errorsCut);
    }

    /**
     * Every stage has exited: the shared stderr pipe gets the longest of the stages' wait delays
     * to reach its end (a stage's daemon may hold it), then is cut short, keeping what it holds.
     *
     * @return true when it was cut short
     */
    private static boolean awaitErrors(PipeReader errReader, List<Command> stages) throws InterruptedException {
        Command longest = stages.getFirst();
        for (Command c : stages) {
            if (c.io().waitDelay().compareTo(longest.io().waitDelay()) > 0) {
                longest = c;
            }
        }
        long delay = IoOptions.nanosOrNever(longest.io().waitDelay());
        try {
            if (delay < 0) {
                errReader.done().get();
            } else {
                errReader.done().get(delay, TimeUnit.NANOSECONDS);
            }
            return false;
        } catch (TimeoutException e) {
            return errReader.cutShort(new Deliveries.CutShort("the pipeline's stages", longest.io().waitDelay()));
        } catch (ExecutionException e) {
            return false; // the reader failed: what it read is kept, as before
        }
    }

    /**
     * Starts every stage, each one's stdout a pipe to the next one's stdin; on a failure the
     * stages started are killed and reaped, and no pipe is left open.
     *
     * @param sharedStderr an fd every stage's stderr goes to, or -1 for each stage's own
     */
    static List<Child> startAll(List<Command> stages, ChildIo.Verb verb, int sharedStderr) throws IOException {
        List<Child> started = new ArrayList<>();
        int previousRead = -1; // the read end of the pipe from the stage just started
        try {
            for (int i = 0; i < stages.size(); i++) {
                Command c = stages.get(i);
                boolean last = i == stages.size() - 1;
                int[] pipe = last ? null : Posix.pipe();
                int[] fds = {previousRead, last ? -1 : pipe[1], sharedStderr};
                Redirect in = c.stdin().orElse(verb == ChildIo.Verb.START ? Redirect.PIPE : Redirect.DISCARD);
                Redirect out = c.stdout().orElse(Redirect.PIPE);
                Redirect err = c.stderr().orElse(Redirect.PIPE);
                try {
                    started.add(ChildStart.start(c, in, out, err, last ? verb : ChildIo.Verb.START, fds));
                } catch (IOException | RuntimeException e) {
                    if (pipe != null) {
                        Posix.close(pipe[0]);
                    }
                    throw e;
                } finally {
                    // The stages have their copies now; this JVM keeps none.
                    if (previousRead >= 0) {
                        Posix.close(previousRead);
                    }
                    if (pipe != null) {
                        Posix.close(pipe[1]);
                    }
                }
                previousRead = pipe == null ? -1 : pipe[0];
            }
            return started;
        } catch (IOException | RuntimeException e) {
            for (Child child : started) {
                child.abandon();
            }
            throw e;
        }
    }
}
