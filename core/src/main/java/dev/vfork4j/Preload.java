package dev.vfork4j;

/**
 * A fresh JVM's first spawn, made shorter: the classes it will need after the native calls are
 * linked are loaded on a thread of its own while the spawning thread links them. Linking (the
 * JDK's Linker and vfork4j's one downcall shape) takes a fresh JVM some 55 ms, the classes after
 * it (the event loop, the spawn plan, the pid fd, the futures, the kernel wait) some 20 ms more
 * when loaded one after the other from the jar. Measured: 3-6 ms off a fresh JVM's first
 * run() of /bin/true (docs/startup.md).
 *
 * <p>Loaded, and vfork4j's own also linked (verified), but never initialised here
 * ({@code Class.forName(name, false, loader)}, then {@code getDeclaredMethods()}, before which
 * HotSpot links a class): no static initialiser runs on this thread, so none can fail here or wait for another thread's (two
 * threads initialising classes that need each other would deadlock), and the spawning thread
 * initialises each class as it would have. A name that does not resolve is skipped (the list is
 * a hint; {@code PreloadTest} checks that every name resolves). Once per JVM, at the first start
 * with a native mechanism; a thread that cannot start changes nothing.
 */
final class Preload implements Runnable {
    private Preload() {}

    /**
     * In the order the first spawn loads them (from {@code -Xlog:class+load} of a first run()):
     * vfork4j's own, then the JDK's that are not in its default CDS archive.
     */
    static final String[] CLASSES = {
        "dev.vfork4j.ChildIo",
        "dev.vfork4j.spawn.Technique$Clones",
        "dev.vfork4j.spawn.CloneLauncher",
        "dev.vfork4j.loop.EventLoop",
        "dev.vfork4j.loop.EpollPoller$Handler",
        "dev.vfork4j.linux.Siginfo",
        "dev.vfork4j.loop.EventLoop$Task",
        "dev.vfork4j.loop.EpollPoller",
        "dev.vfork4j.linux.EpollEvent",
        "dev.vfork4j.linux.Fd",
        "dev.vfork4j.loop.EventLoop$OwnFd",
        "dev.vfork4j.loop.EpollPoller$Registration",
        "dev.vfork4j.loop.EventLoop$ExitWake",
        "dev.vfork4j.spawn.asm.ChildRoutine",
        "dev.vfork4j.linux.Posix",
        "dev.vfork4j.spawn.FdLimit",
        "dev.vfork4j.spawn.Stdio",
        "dev.vfork4j.spawn.SignalDefaults",
        "dev.vfork4j.spawn.SpawnPlan",
        "dev.vfork4j.spawn.LowFds",
        "dev.vfork4j.spawn.LowFds$Loan",
        "dev.vfork4j.spawn.LowFds$Set",
        "dev.vfork4j.spawn.SpawnPlan$Step",
        "dev.vfork4j.spawn.NativeStrings",
        "dev.vfork4j.linux.PlatformStrings",
        "dev.vfork4j.spawn.ExecCandidates",
        "dev.vfork4j.spawn.asm.PlanLayout",
        "dev.vfork4j.spawn.Spawned",
        "dev.vfork4j.ChunkHandler",
        "dev.vfork4j.loop.PipeInputStream",
        "dev.vfork4j.loop.PipeOutputStream",
        "dev.vfork4j.loop.Sweepable",
        "dev.vfork4j.loop.PidFd",
        "dev.vfork4j.loop.WaitStatus",
        "dev.vfork4j.ExitStatus",
        "dev.vfork4j.Deliveries",
        "dev.vfork4j.NullStreams",
        "dev.vfork4j.loop.KernelWait",
        "dev.vfork4j.Output",
        "java.util.concurrent.ConcurrentLinkedQueue",
        "java.util.PriorityQueue",
        "java.util.concurrent.CompletableFuture",
        "java.util.concurrent.CompletableFuture$AltResult",
        "java.util.concurrent.CompletableFuture$UniApply",
        "java.util.concurrent.CompletableFuture$BiRelay",
        "java.util.concurrent.CompletableFuture$UniCompose",
        "java.util.concurrent.CompletableFuture$UniRun",
    };

    private static volatile boolean started;
    /** How many of {@link #CLASSES} the thread has loaded so far, and its name: what it did, for tests and diagnosis. */
    static volatile int loaded;
    static volatile String loadedBy;

    /** Starts the loading thread, once per JVM. Never throws. */
    static void start() {
        if (started) {
            return;
        }
        synchronized (Preload.class) {
            if (started) {
                return;
            }
            started = true;
            try {
                Thread t = new Thread(new Preload(), "vfork4j-preload");
                t.setDaemon(true);
                t.start();
            } catch (RuntimeException | OutOfMemoryError e) {
                // no thread now: the spawning thread loads each class when it needs it, as it always could
            }
        }
    }

    @Override
    public void run() {
        loadedBy = Thread.currentThread().getName();
        ClassLoader own = Preload.class.getClassLoader();
        for (String name : CLASSES) {
            try {
                Class<?> c = Class.forName(name, false, name.startsWith("java.") ? null : own);
                if (c.getClassLoader() == own) {
                    c.getDeclaredMethods(); // HotSpot links (verifies) a class before it lists its methods; nothing is initialised
                }
                loaded++; // one writer
            } catch (ClassNotFoundException | LinkageError e) {
                // a hint only: the spawning thread loads (and reports) it as it always did
            }
        }
    }
}
