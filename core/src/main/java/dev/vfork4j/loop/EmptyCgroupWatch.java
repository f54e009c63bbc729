package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.*;

import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.Fd;
import dev.vfork4j.linux.Posix;
import dev.vfork4j.linux.Procfs;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Waits on the event loop for a cgroup v2 to hold no process, then runs an action once. The
 * kernel notifies a change of {@code populated} in {@code cgroup.events} to whoever polls the
 * file (kernfs_notify: EPOLLPRI | EPOLLERR on an open fd of it); the fd is registered
 * edge-triggered, because a poll keeps reporting the change until this very fd reads the file
 * again, and the file is read through a path of its own. No thread waits, and nothing polls.
 */
public final class EmptyCgroupWatch implements EpollPoller.Handler {
    private final Path events;
    private final Runnable whenEmpty;
    private final EventLoop loop;
    private Fd fd;
    private boolean done;

    private EmptyCgroupWatch(Path cgroup, EventLoop loop, Runnable whenEmpty) {
        this.events = cgroup.resolve("cgroup.events");
        this.loop = loop;
        this.whenEmpty = whenEmpty;
    }

    /**
     * Runs {@code whenEmpty} once {@code cgroup} holds no process (on this thread when it holds
     * none now, else on the loop thread), or once it is gone. When the loop cannot watch
     * (no fd free, the loop died) the action runs now, and whoever it is for deals with a
     * cgroup still populated.
     */
    public static void start(Path cgroup, EventLoop loop, Runnable whenEmpty) {
        new EmptyCgroupWatch(cgroup, loop, whenEmpty).begin();
    }

    private synchronized void begin() {
        if (!populated()) {
            finish();
            return;
        }
        try {
            fd = new Fd(Posix.open(events.toString(), O_RDONLY | O_CLOEXEC, 0));
            loop.poller().add(fd.number(), EPOLLPRI | EPOLLERR | EPOLLET, this);
        } catch (ErrnoException e) {
            finish();
            return;
        }
        // Registered before this second look: a change between the two is seen by one of them.
        if (!populated()) {
            finish();
        }
    }

    @Override
    public synchronized void onEvents(int ev) {
        if (!done && !populated()) {
            finish();
        }
    }

    @Override
    public synchronized void loopDied(IOException cause) {
        finish();
    }

    /** False once {@code populated 0} is read, or the cgroup is gone. */
    private boolean populated() {
        try {
            for (String line : Procfs.read(events).split("\n")) {
                if (line.startsWith("populated ")) {
                    return !line.endsWith(" 0");
                }
            }
            return false;
        } catch (NoSuchFileException gone) {
            return false;
        } catch (IOException e) {
            return false; // unreadable: let the owner try to remove it, and keep nothing open
        }
    }

    private void finish() {
        if (done) {
            return;
        }
        done = true;
        if (fd != null) {
            loop.poller().remove(fd.number());
            fd.close();
        }
        whenEmpty.run();
    }
}
