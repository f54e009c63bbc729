package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Fd;
import dev.vfork4j.linux.Posix;
import dev.vfork4j.linux.Rusage;
import dev.vfork4j.linux.Siginfo;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;

/**
 * A child's pidfd. Whoever sees it readable first reaps the child with
 * {@code waitid(P_PIDFD, WNOHANG)}, closes the pidfd and completes {@link #exit()}: a platform
 * thread waiting for the child in poll(2) ({@link KernelWait}), as C's waitpid waits, or else
 * the event loop. Signals go through the pidfd too, so they can never reach a recycled pid.
 *
 * <p>While platform threads poll the pidfd themselves it is out of the loop's epoll set and out
 * of its next sweep, so the exit wakes them alone and the loop is not woken at all; the last
 * to leave without the exit (interrupted, out of time) hands it to the loop, or back to the
 * sweep when nobody asked for the loop meanwhile. Otherwise the loop starts watching when
 * someone needs it to, not at the spawn: on {@link #watch()} (every wait that parks, every
 * subscription to the exit goes through it), and at the latest at the loop's next sweep,
 * {@link EventLoop#SWEEP_NANOS} after the spawn, so a child nobody asks about is still reaped
 * at once. The common start-then-wait
 * is thereby spared two epoll_ctl calls (ADD at the spawn, DEL when the waiter takes over),
 * which run while the child, on the same CPU, is waiting to finish its exec: spawn + wait of
 * /bin/true took ~8 us longer with them.
 */
public final class PidFd implements Sweepable {
    private final long pid;
    private final Fd fd;
    private final EventLoop loop;
    private final CompletableFuture<WaitStatus> exit = new CompletableFuture<>();
    private final EpollPoller.Handler onReadable = new EpollPoller.Handler() {
        @Override
        public void onEvents(int events) {
            reap();
        }

        @Override
        public void loopDied(IOException cause) {
            PidFd.this.loopDied(cause);
        }
    };
    /** Platform threads polling the pidfd themselves ({@link KernelWait}); while there are any, the loop does not watch it. Guarded by this. */
    private int kernelWaiters;
    /** Whether the pidfd is in the loop's epoll set. Guarded by this. */
    private boolean watched;
    /**
     * Someone asked the loop to watch (the sweep, a subscriber, a wait that parks) while platform
     * threads polled the pidfd, or it was watched when they began: the last of them hands it
     * to the loop. Otherwise the sweep has yet to come, and will. Guarded by this.
     */
    private boolean wanted;
    /**
     * The first kernel waiter took the pidfd out of the loop's next sweep ({@link EventLoop#unsweep}),
     * so that the sweep does not wake the loop for a child a thread waits for; the last waiter
     * gives it back if it leaves before the exit. Guarded by this.
     */
    private boolean takenFromSweep;

    /** Takes ownership of {@code pidfd}; the loop watches it from its next sweep on, or sooner on {@link #watch()}. */
    public PidFd(long pid, int pidfd, EventLoop loop) {
        this(pid, pidfd, loop, true);
    }

    /**
     * Takes ownership of {@code pidfd}. With {@code sweep}, the loop watches it from its next
     * sweep on, or sooner on {@link #watch()}. Without, only on {@link #watch()} or when a
     * {@link KernelWait} leaves without the exit: for a child whose verb waits for it at once
     * (run(), output()), so that its spawn wakes the loop for no sweep; whatever ends that wait
     * early (an interrupt, a failure) leaves the child to the loop.
     */
    public PidFd(long pid, int pidfd, EventLoop loop, boolean sweep) {
        this.pid = pid;
        this.fd = new Fd(pidfd);
        this.loop = loop;
        if (sweep) {
            loop.watchSoon(this);
        } else {
            wanted = true; // no sweep will come: the last kernel waiter to leave hands it over
        }
    }

    EventLoop loop() {
        return loop;
    }

    public long pid() {
        return pid;
    }

    /** Completes once the child has exited and been reaped, on the thread that reaped it: the loop, or a {@link KernelWait}'s. */
    public CompletableFuture<WaitStatus> exit() {
        return exit;
    }

    /**
     * Sends {@code signal}. Returns false when the child has already exited (its pidfd is
     * closed or the kernel says ESRCH), which callers that want it gone treat as done.
     */
    public boolean signal(int signal) throws ErrnoException {
        int n = fd.acquire();
        if (n < 0) {
            return false;
        }
        try {
            return Posix.pidfdSendSignal(n, signal);
        } finally {
            fd.release();
        }
    }

    /**
     * Runs {@code action} with the pidfd's number while the child provably has not been reaped
     * (it runs, or is a zombie) and returns true; returns false, running nothing, once it has
     * been reaped. The loop's reap waits for {@code action} (both hold this object's lock), so
     * meanwhile the child's pid number, and with it the number of a process group or session
     * it leads, cannot pass to another process. The kernel is asked (signal 0 through the
     * pidfd), so a reap behind the loop's back that came before is seen too; one that comes
     * during {@code action} (native code in this JVM calling waitpid(-1), or SIGCHLD set to
     * SIG_IGN) is the one race left. Keep {@code action} short: the loop may be waiting to reap.
     */
    public synchronized boolean whileUnreaped(IntConsumer action) {
        int n = fd.acquire();
        if (n < 0) {
            return false; // reaped by the loop or a waiting thread: the fd is closed under this lock
        }
        try {
            if (!exists(n)) {
                return false;
            }
            action.accept(n);
            return true;
        } finally {
            fd.release();
        }
    }

    /** True while the pidfd's process has not been reaped: signal 0 succeeds, or fails only for lack of permission. */
    private static boolean exists(int pidfd) {
        try {
            return Posix.pidfdSendSignal(pidfd, 0);
        } catch (ErrnoException e) {
            return e.errno() == EPERM; // a setuid child: there, but not ours to signal
        }
    }

    /**
     * The loop died before it saw the exit: {@link #exit()} fails rather than never completing.
     * The pidfd stays open, so the child can still be signalled (killed).
     */
    @Override
    public synchronized void loopDied(IOException cause) {
        watched = false;
        exit.completeExceptionally(new IOException("child " + pid + " is no longer watched for its exit: "
            + cause.getMessage(), cause));
    }

    /** Runs on the loop thread when the pidfd is readable; uses the loop's scratch memory, no allocation. */
    private void reap() {
        reap(loop.scratchState, loop.scratchSiginfo);
    }

    /** The pidfd, for a {@link KernelWait} to poll (held while it does). */
    Fd fd() {
        return fd;
    }

    /**
     * A platform thread is about to poll the pidfd itself ({@link KernelWait}): the pidfd
     * leaves the loop's epoll set until the last such thread has left.
     *
     * <p>Leaving it in, even with its events masked by EPOLL_CTL_MOD, would not do: the kernel
     * wakes a pidfd's waiters without saying which events happened, so the exit still woke the
     * loop thread, on the other CPU, and spawn + wait of /bin/true took 20-30 us longer
     * (vfork_loop.c's vfork4j_masked way shows the same in C).
     */
    synchronized void enterKernelWait() {
        if (kernelWaiters++ == 0) {
            if (watched) {
                stopWatching();
                wanted = true;
            } else if (!wanted && loop.unsweep(this)) {
                takenFromSweep = true;
            }
        }
    }

    /**
     * As {@link #enterKernelWait}, but only while the loop does not watch the pidfd (a child
     * younger than a sweep, or one other platform threads poll) and the child is unreaped:
     * false, and nothing changes, otherwise. For waits that may be many (each read of a
     * stream), which must not move the pidfd in and out of the epoll set each time.
     */
    synchronized boolean enterKernelWaitIfUnwatched() {
        if (watched || exit.isDone()) {
            return false;
        }
        kernelWaiters++;
        return true;
    }

    /**
     * A thread of {@link #enterKernelWait} has stopped polling. The last one hands the pidfd to
     * the loop if someone asked for that meanwhile (or it was watched before); else the sweep
     * takes it (given back to it if the first waiter took it out), and a wait that ends before
     * the child costs no epoll_ctl.
     */
    synchronized void leaveKernelWait() {
        if (--kernelWaiters == 0) {
            boolean sweep = takenFromSweep;
            takenFromSweep = false;
            if (wanted) {
                wanted = false;
                watch();
            } else if (sweep && !exit.isDone()) {
                loop.watchSoon(this); // left before the exit, nobody asked: the sweep takes it, as it would have
            }
        }
    }

    /**
     * Makes the loop watch the pidfd now, unless platform threads are polling it themselves
     * (the last of them hands it to the loop when it leaves) or the child is reaped already.
     * Any thread; cheap once watched. Should the pidfd not go into the epoll set (epoll_ctl
     * fails), the exit completes with that failure rather than never.
     */
    @Override
    public synchronized void watch() {
        if (kernelWaiters > 0) {
            wanted = true; // the last of them hands it over
            return;
        }
        if (!watched && !exit.isDone() && !fd.isClosed()) {
            try {
                watched = true; // before the add: a dead loop's add calls loopDied, which clears it
                loop.poller().add(fd.number(), EPOLLIN, onReadable); // level-triggered: a past exit is reported at once
            } catch (ErrnoException e) {
                watched = false;
                exit.completeExceptionally(new IOException("child " + pid + " cannot be watched for its exit", e));
            }
        }
    }

    private void stopWatching() {
        if (watched) {
            loop.poller().remove(fd.number());
            watched = false;
        }
    }

    /**
     * Reaps the child if it has exited ({@code info}: a {@link Siginfo#REAP_LAYOUT} block, which
     * also gets the child's rusage); the loop and waiting threads may all try, one wins, and
     * {@link #exit()} completes (its dependents run) on the winner's thread, inside this lock:
     * a thread that comes second finds the exit complete when it gets the lock.
     */
    synchronized void reap(MemorySegment st, MemorySegment info) {
        if (exit.isDone() || fd.isClosed()) {
            return;
        }
        info.fill((byte) 0);
        int r;
        do {
            r = Posix.waitidWithUsage(st, P_PIDFD, fd.number(), info, WEXITED | WNOHANG);
        } while (r == -EINTR);
        if (r < 0) {
            finish();
            exit.completeExceptionally(new IOException(
                "child " + pid + " could not be reaped (another waiter in this process took it?)",
                Posix.failure("waitid(P_PIDFD, " + fd.number() + ")", -r)));
            return;
        }
        if (Siginfo.pid(info) == 0) {
            return; // not exited after all: spurious wake-up
        }
        long reapedAt = System.nanoTime();
        WaitStatus status = new WaitStatus(Siginfo.code(info), Siginfo.status(info),
            Rusage.userMicros(info, Siginfo.REAP_USAGE), Rusage.systemMicros(info, Siginfo.REAP_USAGE), reapedAt);
        finish();
        exit.complete(status);
    }

    private void finish() {
        stopWatching();
        fd.close();
    }

    @Override
    public String toString() {
        return "pidfd(pid=" + pid + ", " + fd + ")";
    }
}
