package dev.vfork4j.spawn;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.Redirect;
import dev.vfork4j.SpawnException;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Posix;
import java.util.ArrayList;
import java.util.List;

/**
 * The three standard streams of one spawn, opened in the parent before the child exists: the
 * files and pipes each redirect needs. {@link #source(int)} is what the child's fd 0, 1 or 2
 * must become; {@link #parentEnd(int)} is this JVM's end of a pipe. Closing releases the
 * child's ends always, and this JVM's ends unless {@link #handOver()} was called.
 */
final class Stdio implements AutoCloseable {
    static final int INHERIT = -1;

    private final int[] source = {INHERIT, INHERIT, INHERIT};
    private final int[] parentEnd = {-1, -1, -1};
    private final List<Integer> childEnds = new ArrayList<>();
    private boolean stderrToStdout;
    private boolean handedOver;

    private final SpawnRequest request;

    private Stdio(SpawnRequest request) {
        this.request = request;
    }

    SpawnRequest request() {
        return request;
    }

    static Stdio open(SpawnRequest r) throws SpawnException {
        Stdio s = new Stdio(r);
        try {
            s.openStream(0, r.stdin(), r);
            s.openStream(1, r.stdout(), r);
            s.openStream(2, r.stderr(), r);
            return s;
        } catch (SpawnException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void openStream(int target, Redirect redirect, SpawnRequest r) throws SpawnException {
        String name = target == 0 ? "stdin" : target == 1 ? "stdout" : "stderr";
        String what = name;
        try {
            if (r.fdSource(target) >= 0) {
                // Someone else's fd (a pipeline's pipe): use a copy, so closing ours never closes theirs.
                what = name + " from fd " + r.fdSource(target);
                source[target] = childEnd(Posix.dupCloexec(r.fdSource(target), 3));
                return;
            }
            // if/instanceof rather than a pattern switch: its first run would spin a class
            // (SwitchBootstraps), which a fresh JVM's first spawn paid for; Standard comes first,
            // so the other redirect classes are loaded only when used.
            if (redirect instanceof Redirect.Standard std) {
                switch (std) {
                    case INHERIT -> { }
                    case STDOUT -> stderrToStdout = true;
                    case DISCARD -> {
                        what = name + " to /dev/null";
                        source[target] = childEnd(Posix.open("/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0));
                    }
                    case PIPE -> {
                        what = name + " pipe";
                        int[] p = Posix.pipe();
                        int childSide = target == 0 ? p[0] : p[1];
                        int ourSide = target == 0 ? p[1] : p[0];
                        parentEnd[target] = ourSide;
                        source[target] = childEnd(childSide);
                        Posix.setNonBlockingFreshPipe(ourSide);
                    }
                }
            } else if (redirect instanceof Redirect.From f) {
                what = name + " from " + f.file();
                source[target] = childEnd(Posix.open(f.file().toString(), O_RDONLY, 0));
                // Opening a directory for reading succeeds; FileInputStream refuses it after its open, and so do we.
                if (Posix.isDirectory(source[target])) {
                    throw Failures.spawnException(r, SpawnException.Step.REDIRECT, EISDIR, what);
                }
            } else if (redirect instanceof Redirect.To t) {
                what = name + " to " + t.file();
                source[target] = childEnd(Posix.open(t.file().toString(), O_WRONLY | O_CREAT | O_TRUNC, 0666));
            } else if (redirect instanceof Redirect.AppendTo a) {
                what = name + " appended to " + a.file();
                source[target] = childEnd(Posix.open(a.file().toString(), O_WRONLY | O_CREAT | O_APPEND, 0666));
            } else {
                throw new AssertionError("a Redirect of no known kind: " + redirect);
            }
        } catch (ErrnoException e) {
            throw Failures.spawnException(r, SpawnException.Step.REDIRECT, e.errno(), what);
        }
    }

    /**
     * Records an fd the child will receive. One numbered 0-2 (possible when this JVM was
     * started with a standard stream closed) is first moved above 2, so that putting one
     * stream in place can never overwrite the source of another.
     */
    private int childEnd(int fd) throws ErrnoException {
        if (fd < 3) {
            childEnds.add(fd);
            int moved = Posix.dupCloexec(fd, 3);
            childEnds.remove((Integer) fd);
            Posix.close(fd);
            fd = moved;
        }
        childEnds.add(fd);
        return fd;
    }

    /** What the child's fd {@code target} becomes, or {@link #INHERIT}. */
    int source(int target) {
        return source[target];
    }

    /** True when the child's stderr is to be a copy of its stdout. */
    boolean stderrToStdout() {
        return stderrToStdout;
    }

    /** This JVM's end of the pipe for stream {@code target}, or -1. */
    int parentEnd(int target) {
        return parentEnd[target];
    }

    /** After a successful spawn: the child has its copies, so ours of its ends can go. */
    void handOver() {
        handedOver = true;
        close();
    }

    @Override
    public void close() {
        for (int fd : childEnds) {
            Posix.close(fd);
        }
        childEnds.clear();
        if (!handedOver) {
            for (int i = 0; i < 3; i++) {
                if (parentEnd[i] >= 0) {
                    Posix.close(parentEnd[i]);
                    parentEnd[i] = -1;
                }
            }
        }
    }
}
