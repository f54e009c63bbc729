package dev.vfork4j.spawn;

import static dev.vfork4j.linux.Linux.EAGAIN;

import dev.vfork4j.Signal;
import dev.vfork4j.SpawnException;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Posix;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One platform thread that lives as long as the JVM and creates the children that have a
 * parent-death signal. The kernel sends PR_SET_PDEATHSIG when the thread that created the
 * child exits (prctl(2)), not the process; spawning from this thread makes the signal mean
 * "when this JVM dies", whichever thread asked for the child.
 *
 * <p>The thread does nothing that can block for long: the caller opens the child's standard
 * streams (a FIFO with no writer blocks in open) on its own thread first and hands this
 * thread only the clone, so one spawn never holds up the others. The thread is started at the
 * first such spawn, not when the class is initialised, and started again at the next spawn if
 * it could not be (a process or thread limit reached for the moment).
 */
final class SpawnerThread {
    private SpawnerThread() {}

    interface SpawnTask {
        Spawned spawn() throws SpawnException;
    }

    private static final LinkedBlockingQueue<Job> QUEUE = new LinkedBlockingQueue<>();
    /** The thread serving {@link #QUEUE}; null until one could be started. Written under the class lock. */
    private static volatile Thread thread;

    static boolean isCurrent() {
        return Thread.currentThread() == thread;
    }

    /**
     * Runs {@code task} on the spawner thread and waits for it. {@code release} frees what the
     * task uses (the standard streams opened for the child) and runs exactly once, after the
     * task or instead of it.
     *
     * <p>A caller interrupted while it waits gives up: a task not started yet never runs, and a
     * child the task creates anyway is killed and reaped there, its fds closed. The caller then
     * gets an {@link InterruptedIOException} and keeps its interrupt status.
     *
     * @throws SpawnException the task's own failure, or the spawner thread could not be started
     *                        (step PARENT_DEATH_SIGNAL, EAGAIN, with the JVM's error as the cause)
     * @throws InterruptedIOException the caller was interrupted before the child was made
     */
    static Spawned run(SpawnRequest r, SpawnTask task, Runnable release) throws IOException {
        Job job = new Job(task, release);
        try {
            ensureStarted(r);
        } catch (SpawnException | RuntimeException | Error e) {
            release.run();
            throw e;
        }
        QUEUE.add(job);
        return job.await(r);
    }

    private static void ensureStarted(SpawnRequest r) throws SpawnException {
        Thread t = thread;
        if (t != null && t.isAlive()) {
            return;
        }
        synchronized (SpawnerThread.class) {
            t = thread;
            if (t != null && t.isAlive()) {
                return;
            }
            Thread fresh = Thread.ofPlatform().name("vfork4j-spawner").daemon(true).unstarted(SpawnerThread::serve);
            try {
                fresh.start();
            } catch (OutOfMemoryError e) {
                // "unable to create native thread": pthread_create failed, almost always with EAGAIN
                // (RLIMIT_NPROC, a pids cgroup limit, threads-max). Nothing is kept: the next spawn tries again.
                SpawnException se = Failures.spawnException(r, SpawnException.Step.PARENT_DEATH_SIGNAL, EAGAIN,
                    "the vfork4j-spawner thread, which starts every parentDeathSignal child, could not be started: "
                        + e.getMessage());
                se.initCause(e);
                throw se;
            }
            thread = fresh;
        }
    }

    private static void serve() {
        while (true) {
            Job job;
            try {
                job = QUEUE.take();
            } catch (InterruptedException e) {
                continue; // nobody interrupts this thread on purpose; keep serving
            }
            job.runHere();
        }
    }

    /** One spawn handed to the thread, and its result. */
    private static final class Job {
        private enum State { QUEUED, RUNNING, DONE, ABANDONED }

        private final SpawnTask task;
        private final Runnable release;
        private State state = State.QUEUED; // guarded by this
        private Spawned result; // guarded by this
        private Throwable failure; // guarded by this

        Job(SpawnTask task, Runnable release) {
            this.task = task;
            this.release = release;
        }

        /** On the spawner thread. Never throws: the thread must go on serving. */
        void runHere() {
            synchronized (this) {
                if (state == State.ABANDONED) {
                    releaseQuietly();
                    return;
                }
                state = State.RUNNING;
            }
            Spawned s = null;
            Throwable f = null;
            try {
                s = task.spawn();
            } catch (Throwable t) {
                f = t;
            } finally {
                releaseQuietly();
            }
            synchronized (this) {
                if (state != State.ABANDONED) {
                    state = State.DONE;
                    result = s;
                    failure = f;
                    notifyAll();
                    return;
                }
            }
            if (s != null) {
                discard(s); // its caller gave up while the child was being made
            }
        }

        private void releaseQuietly() {
            try {
                release.run();
            } catch (Throwable ignored) {
                // closing our own fds cannot fail but with a bug (EBADF); the thread must live on
            }
        }

        /** On the caller's thread: the result, or the task's failure rethrown. */
        Spawned await(SpawnRequest r) throws IOException {
            boolean removed;
            synchronized (this) {
                while (state != State.DONE) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        if (state == State.DONE) {
                            Thread.currentThread().interrupt(); // the child exists: keep it, and the interrupt
                            break;
                        }
                        boolean queued = state == State.QUEUED;
                        state = State.ABANDONED;
                        // A job still queued is taken out and its streams released here; one the thread
                        // has taken (or is running) is cleaned up there when it sees the state.
                        removed = queued && QUEUE.remove(this);
                        Thread.currentThread().interrupt();
                        if (removed) {
                            release.run();
                        }
                        throw new InterruptedIOException("interrupted while waiting for the vfork4j-spawner thread to start \""
                            + r.program() + "\"; no child was left behind");
                    }
                }
                if (failure == null) {
                    return result;
                }
            }
            if (failure instanceof SpawnException se) {
                throw se;
            }
            if (failure instanceof RuntimeException re) {
                throw re;
            }
            throw (Error) failure; // SpawnTask.spawn throws nothing else
        }
    }

    /** Kills, reaps and closes a child nobody is waiting for any more. */
    private static void discard(Spawned s) {
        try {
            Posix.pidfdSendSignal(s.pidfd(), Signal.SIGKILL.number());
        } catch (ErrnoException e) {
            // ESRCH is reported as false; anything else leaves the reap below to wait for its exit
        }
        Posix.reap(s.pidfd());
        Posix.close(s.pidfd());
        for (int fd : new int[] {s.stdin(), s.stdout(), s.stderr()}) {
            if (fd >= 0) {
                Posix.close(fd);
            }
        }
    }
}
