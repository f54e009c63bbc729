package dev.vfork4j.spawn;

import dev.vfork4j.SpawnException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One platform thread that lives as long as the JVM and creates the children that have a
 * parent-death signal. The kernel sends PR_SET_PDEATHSIG when the thread that created the
 * child exits (prctl(2)), not the process; spawning from this thread makes the signal mean
 * "when this JVM dies", whichever thread asked for the child.
 */
final class SpawnerThread {
    private SpawnerThread() {}

    interface SpawnTask {
        Spawned spawn() throws SpawnException;
    }

    private static final LinkedBlockingQueue<Runnable> QUEUE = new LinkedBlockingQueue<>();
    private static final Thread THREAD = Thread.ofPlatform().name("vfork4j-spawner").daemon(true).start(() -> {
        while (true) {
            try {
                QUEUE.take().run();
            } catch (InterruptedException e) {
                // Nobody interrupts this thread on purpose; keep serving.
            }
        }
    });

    static boolean isCurrent() {
        return Thread.currentThread() == THREAD;
    }

    /** Runs {@code task} on the spawner thread and waits for it, uninterruptibly: a spawn is never abandoned half-way. */
    static Spawned run(SpawnTask task) throws SpawnException {
        CompletableFuture<Spawned> result = new CompletableFuture<>();
        QUEUE.add(() -> {
            try {
                result.complete(task.spawn());
            } catch (SpawnException | RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        });
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof SpawnException se) {
                        throw se;
                    }
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    throw (Error) cause;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
