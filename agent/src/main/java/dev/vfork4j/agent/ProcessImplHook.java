package dev.vfork4j.agent;

import dev.vfork4j.Mechanism;
import dev.vfork4j.linux.Posix;
import dev.vfork4j.loop.EventLoop;
import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * What the rewritten java.lang.ProcessImpl.start calls first: it starts the child through
 * vfork4j and returns it, or returns null, and the JDK's own code starts it. It sits where
 * ProcessImpl's own Java code sits (after ProcessBuilder's checks, before its logging and its
 * "Cannot run program" wrapping) and does what that code does, the JDK's way: redirect files
 * are opened here with FileInputStream and FileOutputStream, in the JDK's order and with its
 * exceptions, and a pipeline stage's output pipe is made here and its read end stored in the
 * stage's RedirectPipeImpl for the next stage, as ProcessImpl stores it. The environment is the
 * JDK's own block (ProcessEnvironment.toEnvironmentBlock), or the process's environ when the
 * builder's was never touched: the bytes and order the JDK's child gets.
 *
 * <p>It declines (returns null) when the agent is not engaged, when the mechanism turned out
 * not to be available, on re-entry from its own thread (a start made while one is under way on
 * that thread is left to the JDK, so nothing can loop), for a request vfork4j does not do the
 * JDK's way (a directory name holding NUL, a RedirectPipeImpl where ProcessBuilder never puts
 * one, an environment map that is not ProcessBuilder's), and when vfork4j fails before any
 * child exists for a reason other than the child's own (a RuntimeException or LinkageError:
 * logged once). Only the JDK's kind of failure, an IOException, reaches the application.
 */
public final class ProcessImplHook {
    private ProcessImplHook() {}

    /**
     * What the rewritten ProcessImpl.start calls: {@code apply(new Object[] {cmdarray,
     * environment, dir, redirects, redirectErrorStream, ProcessImpl's Lookup})} returns the
     * Process, or null to let the JDK's code start it, and throws the IOException of a failed start.
     */
    public static final Function<Object[], Object> HOOK = ProcessImplHook::offer;

    private static volatile boolean engaged;
    /** The mechanism once warmed up: null for good when none is available. */
    private static volatile CompletableFuture<Mechanism> mechanism;
    private static volatile Mechanism chosen;
    /** {@code -Dvfork4j.agent.untilReady=jdk}: a start made before the warm-up is over goes to the JDK. */
    private static volatile boolean jdkUntilReady;
    /** What the hook needs of java.base, made from ProcessImpl's Lookup at the first start; NO_ACCESS if that failed. */
    private static volatile JdkAccess access;

    private static MethodHandle coreStart;
    private static MethodHandle coreJdkHandle;
    private static MethodHandle coreStartMillis;
    private static MethodHandle coreWhenReaped;

    private static final ThreadLocal<Boolean> INSIDE = new ThreadLocal<>();
    /**
     * The JDK's handles made without /proc ({@link JdkHandles}), made on vfork4j's loop thread once
     * the first start has asked for them, so that no start pays for their reflection (some 4 ms
     * of a first start, most of it the JDK spinning method handle forms); null until then, and for
     * good on a JDK whose ProcessHandleImpl the agent does not know. Meanwhile each start takes
     * its handle the JDK's way, as before.
     */
    private static volatile JdkHandles handles;
    /**
     * Who was asked to make {@link #handles}: null (nobody yet, or making them failed for a reason
     * that may pass), the loop that was asked (asked again should it die before it ran the task),
     * or {@link #HANDLES_NEVER}.
     */
    private static final AtomicReference<Object> HANDLES_ASKED = new AtomicReference<>();
    /** This JDK's ProcessHandleImpl is not the one the agent knows: handles are taken the JDK's way for good. */
    private static final Object HANDLES_NEVER = new Object();
    /**
     * The classes a JVM's first start through the agent still loaded after the warm-up (from
     * {@code -Xlog:class+load} of one, JDK 25.0.3: the agent's, the library's that come before
     * Preload's, the JDK's that are not in its CDS archive), loaded by the warm-up instead, and
     * the library's and the agent's initialised ({@link #prepareFirstStart}). A hint: a name
     * that does not resolve is skipped.
     */
    private static final String[] FIRST_START_CLASSES = {
        "dev.vfork4j.agent.ProcessImplHook$JdkAccess",
        "dev.vfork4j.agent.ProcessImplHook$ProcessImplLookup",
        "dev.vfork4j.agent.ProcessImplHook$ExitCompletions",
        "dev.vfork4j.agent.ProcessImplHook$MakeHandles",
        "dev.vfork4j.spawn.StartTime",
        "dev.vfork4j.spawn.StartTime$Clock",
        "java.util.RegularEnumSet$EnumSetIterator",
        "dev.vfork4j.agent.JdkShapedProcess",
        "dev.vfork4j.agent.JdkPipeInput",
        "dev.vfork4j.agent.JdkPipeOutput",
        "dev.vfork4j.agent.MergedErrorStream",
        "java.lang.ProcessBuilder",
        "java.lang.ProcessImpl$LaunchMechanism",
        "java.lang.invoke.VarHandleReferences$FieldStaticReadOnly",
        "java.lang.ProcessBuilder$Redirect",
        "java.lang.ProcessBuilder$RedirectPipeImpl",
        "java.lang.invoke.LazyInitializingVarHandle",
        "dev.vfork4j.Redirect$Standard",
        "dev.vfork4j.Command$Builder",
        "dev.vfork4j.spawn.ChildAttributes",
        "dev.vfork4j.spawn.ChildAttributes$Builder",
        "dev.vfork4j.Resource",
        "java.util.Collections$UnmodifiableSortedMap",
        "dev.vfork4j.IoOptions$Builder",
        "dev.vfork4j.Command",
        "dev.vfork4j.StartLog",
        "dev.vfork4j.ChildStart",
        "dev.vfork4j.JdkChild",
        "dev.vfork4j.NativeChild",
        "dev.vfork4j.ProcessTimeoutException",
        "dev.vfork4j.spawn.Failures",
        "dev.vfork4j.linux.Errno",
        "dev.vfork4j.ChildStart$JdkMessages",
        "java.io.FileNotFoundException",
        "dev.vfork4j.spawn.JdkEnvironment",
        "java.lang.ProcessEnvironment",
        "java.lang.ProcessEnvironment$ExternalData",
        "java.lang.ProcessEnvironment$Variable",
        "java.lang.ProcessEnvironment$Value",
        "java.lang.ProcessEnvironment$StringEnvironment",
        "dev.vfork4j.loop.EventLoop$1",
        "java.util.concurrent.ConcurrentLinkedQueue$Node",
        "jdk.internal.foreign.SharedSession$SharedResourceList",
        "jdk.internal.foreign.layout.PaddingLayoutImpl",
        "java.lang.invoke.VarHandleSegmentAsLongs",
        "jdk.internal.foreign.Utils$BaseAndScale",
        "dev.vfork4j.spawn.Stdio$1",
        "java.lang.NoSuchFieldError",
        "java.lang.invoke.VarHandleSegmentAsLongsAligned",
        "java.util.Collections$UnmodifiableMap$UnmodifiableEntrySet",
        "java.util.Collections$UnmodifiableMap$UnmodifiableEntrySet$1",
        "java.util.TreeMap$KeySet",
        "java.util.TreeMap$KeyIterator",
        "java.lang.invoke.VarHandleSegmentAsBytes",
        "java.lang.ProcessEnvironment$StringEntrySet",
        "java.lang.ProcessEnvironment$StringEntrySet$1",
        "java.util.Collections$UnmodifiableMap$UnmodifiableEntrySet$UnmodifiableEntry",
        "java.lang.ProcessEnvironment$StringEntry",
        "dev.vfork4j.loop.ChunkSink",
        "dev.vfork4j.loop.PidFd$1",
        "dev.vfork4j.loop.EventLoop$Enqueue",
        "jdk.internal.foreign.SegmentBulkOperations",
        "dev.vfork4j.loop.PipeEnd",
        "java.util.concurrent.ConcurrentLinkedQueue$Itr",
        "dev.vfork4j.ChildHandle",
        "jdk.internal.event.ProcessStartEvent",
        "jdk.internal.logger.LazyLoggers",
        "jdk.internal.logger.LazyLoggers$1",
        "jdk.internal.logger.LazyLoggers$LazyLoggerFactories",
        "jdk.internal.logger.AbstractLoggerWrapper",
        "jdk.internal.logger.LazyLoggers$LazyLoggerWrapper",
        "jdk.internal.logger.LazyLoggers$JdkLazyLogger",
        "jdk.internal.logger.LazyLoggers$LoggerAccessor",
        "jdk.internal.logger.LazyLoggers$LazyLoggerAccessor",
        "sun.util.logging.PlatformLogger$ConfigurableBridge$LoggerConfiguration",
        "jdk.internal.logger.SimpleConsoleLogger",
        "jdk.internal.logger.SurrogateLogger",
        "sun.util.logging.PlatformLogger",
        "sun.util.logging.PlatformLogger$Level",
    };
    private static final AtomicBoolean FAILURE_LOGGED = new AtomicBoolean();

    /**
     * What ProcessImpl itself uses: the int of a FileDescriptor (its JavaIOFileDescriptorAccess),
     * a pipeline's RedirectPipeImpl and its FileDescriptor, the JDK's null streams. Method handles
     * made by ProcessImpl's own Lookup: nothing is opened to this module.
     */
    private record JdkAccess(MethodHandle fdGet, MethodHandle fdSet, Class<?> pipeImpl, VarHandle pipeImplFd,
                             InputStream nullInput, OutputStream nullOutput, MethodHandle envBlock, boolean glibcSignalsIgnored,
                             ExitCompletions exits, MethodHandles.Lookup lookup) {
        static JdkAccess of(MethodHandles.Lookup processImpl) throws ReflectiveOperationException {
            Class<?> accessType = processImpl.findClass("jdk.internal.access.JavaIOFileDescriptorAccess");
            Object fdAccess = processImpl.findStaticVarHandle(processImpl.lookupClass(), "fdAccess", accessType).get();
            MethodHandle get = processImpl.findVirtual(accessType, "get", MethodType.methodType(int.class, FileDescriptor.class))
                .bindTo(fdAccess);
            MethodHandle set = processImpl.findVirtual(accessType, "set",
                MethodType.methodType(void.class, FileDescriptor.class, int.class)).bindTo(fdAccess);
            Class<?> pipe = processImpl.findClass("java.lang.ProcessBuilder$RedirectPipeImpl");
            Class<?> in = processImpl.findClass("java.lang.ProcessBuilder$NullInputStream");
            Class<?> out = processImpl.findClass("java.lang.ProcessBuilder$NullOutputStream");
            MethodHandle envBlock = processImpl.findStatic(processImpl.findClass("java.lang.ProcessEnvironment"), "toEnvironmentBlock",
                MethodType.methodType(byte[].class, Map.class, int[].class));
            // The JDK's mechanism, read by ProcessImpl's static initialiser: with POSIX_SPAWN (the
            // default) glibc's posix_spawn of jspawnhelper leaves signals 32 and 33 ignored in
            // every child; with FORK (and the deprecated VFORK) the child's exec sets them to default.
            Class<?> mechanismType = processImpl.findClass("java.lang.ProcessImpl$LaunchMechanism");
            Enum<?> jdkMechanism = (Enum<?>) processImpl.findStaticVarHandle(processImpl.lookupClass(), "launchMechanism",
                mechanismType).get();
            return new JdkAccess(get, set, pipe, processImpl.findVarHandle(pipe, "fd", FileDescriptor.class),
                (InputStream) processImpl.findStaticVarHandle(in, "INSTANCE", in).get(),
                (OutputStream) processImpl.findStaticVarHandle(out, "INSTANCE", out).get(), envBlock,
                jdkMechanism.name().equals("POSIX_SPAWN"), ExitCompletions.of(processImpl), processImpl);
        }

        int fdOf(FileDescriptor d) {
            try {
                return (int) fdGet.invokeExact(d);
            } catch (Throwable t) {
                throw new AssertionError("JavaIOFileDescriptorAccess.get throws nothing", t);
            }
        }

        void setFd(FileDescriptor d, int fd) {
            try {
                fdSet.invokeExact(d, fd);
            } catch (Throwable t) {
                throw new AssertionError("JavaIOFileDescriptorAccess.set throws nothing", t);
            }
        }

        FileDescriptor pipeFd(Object redirectPipeImpl) {
            return (FileDescriptor) pipeImplFd.get(redirectPipeImpl);
        }

        /**
         * ProcessEnvironment.toEnvironmentBlock, as ProcessImpl.start calls it: the variables'
         * own bytes (an inherited one keeps those the JVM was given), or null for a null map.
         */
        byte[] environmentBlock(Map<String, String> environment, int[] envc) {
            try {
                return (byte[]) envBlock.invokeExact(environment, envc);
            } catch (RuntimeException | Error e) {
                throw e; // a map ProcessBuilder never passes (ClassCastException), an OutOfMemoryError
            } catch (Throwable t) {
                throw new AssertionError("ProcessEnvironment.toEnvironmentBlock throws no checked exception", t);
            }
        }
    }

    /** Marks what could not be made: the hook declines for good. */
    private static final JdkAccess NO_ACCESS = new JdkAccess(null, null, null, null, null, null, null, false, null, null);

    /**
     * java.lang.ProcessHandleImpl's table of exit futures, one per pid, that every
     * {@code ProcessHandle.onExit()} of that pid shares. For a child it started, the JDK puts
     * there the future its reaper completes once the child is reaped; a handle's onExit then
     * completes after the reap, when {@code isAlive()} is false. For a pid it finds nothing
     * for, it waits with waitid(WNOWAIT), which ends while the child is a zombie, before
     * vfork4j's reap: {@code isAlive()} would still be true then. So the agent puts there, for
     * each child, a future that vfork4j's reap completes, as the JDK does for its own.
     * Best effort: on a JDK without that table, handles wait their own way.
     */
    private record ExitCompletions(Map<Long, Object> table, MethodHandle newReaping) {
        @SuppressWarnings("unchecked") // ProcessHandleImpl.completions is a ConcurrentMap<Long, ExitCompletion>
        static ExitCompletions of(MethodHandles.Lookup processImpl) {
            try {
                Class<?> impl = processImpl.findClass("java.lang.ProcessHandleImpl");
                MethodHandles.Lookup l = MethodHandles.privateLookupIn(impl, processImpl);
                Class<?> completion = l.findClass("java.lang.ProcessHandleImpl$ExitCompletion");
                Map<Long, Object> table = (Map<Long, Object>) l.findStaticVarHandle(impl, "completions",
                    java.util.concurrent.ConcurrentMap.class).get();
                MethodHandle make = MethodHandles.privateLookupIn(completion, l)
                    .findConstructor(completion, MethodType.methodType(void.class, boolean.class))
                    .asType(MethodType.methodType(CompletableFuture.class, boolean.class));
                return new ExitCompletions(table, make);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }

        /**
         * The child's exit future in the table, completed with its exit value once vfork4j has
         * reaped it. Not through the child's onExit(), which would make vfork4j's loop watch
         * the child and complete on the common pool: every start + waitFor then woke two more
         * threads (20 % of its time in the slow phase). The reap runs {@code whenReaped}'s
         * action on the reaping thread (a waiter's, never the loop's); the future is completed
         * there while nobody has subscribed to it (no code of anyone else's runs), and on the
         * common pool when someone has, as the JDK's completes on its reaper thread.
         */
        @SuppressWarnings("unchecked") // an ExitCompletion is a CompletableFuture<Integer>
        void add(Process child, MethodHandle whenReaped) {
            CompletableFuture<Integer> reaped;
            try {
                reaped = (CompletableFuture<Integer>) newReaping.invokeExact(true);
            } catch (Throwable t) {
                throw new AssertionError("ExitCompletion's constructor throws nothing", t);
            }
            Long pid = child.pid();
            if (table.putIfAbsent(pid, reaped) == null) {
                IntConsumer complete = exitValue -> {
                    Runnable done = () -> {
                        reaped.complete(exitValue);
                        table.remove(pid, reaped); // as the JDK's reaper does
                    };
                    if (reaped.getNumberOfDependents() == 0) {
                        done.run();
                    } else {
                        ForkJoinPool.commonPool().execute(done);
                    }
                };
                try {
                    whenReaped.invoke(child, complete);
                } catch (Throwable t) {
                    throw new AssertionError("ProcessImplStart.whenReaped throws nothing", t);
                }
            }
        }
    }

    /**
     * From now on the rewritten ProcessImpl.start, once there is one, offers starts to vfork4j:
     * each waits for {@link #warmUp()} or {@link #declineForGood()}, which the agent calls next
     * (or, {@code leaveToJdkUntilReady}, declines until then; the agent then rewrites
     * ProcessImpl only after the warm-up, so the hook never finds it unfinished).
     */
    static void engage(Mechanism mechanismChosen, boolean leaveToJdkUntilReady) {
        chosen = mechanismChosen;
        jdkUntilReady = leaveToJdkUntilReady;
        mechanism = new CompletableFuture<>();
        engaged = true;
    }

    /** The rewrite did not happen: nothing waits for a mechanism. */
    static void declineForGood() {
        mechanism.complete(null);
    }

    /**
     * Chooses the mechanism and probes it (native calls linked, the child routine mapped): what
     * a JVM's first spawn would otherwise do itself. Core's Preload is started here rather than
     * at the first start (the classes a spawn needs, loaded on its thread), and once the
     * mechanism is known to work the rest of a first start's work is done here
     * ({@link #prepareFirstStart}). Also made ready: the reflective lookup of
     * {@link #HOOK} that the rewritten method makes on every start (Field.get makes its accessor
     * at the first call, and keeps it), and the JDK's ProcessHandleImpl (its static
     * initialiser reads the boot time), so that a first start pays for neither. A mechanism
     * that cannot work here turns the agent off for the JVM's life, with one log record.
     *
     * @return whether there is a mechanism: the hook will start children
     */
    static boolean warmUp() {
        CompletableFuture<Mechanism> warm = mechanism;
        Mechanism m = null;
        try {
            Class<?> start = Class.forName("dev.vfork4j.ProcessImplStart");
            MethodHandles.Lookup core = MethodHandles.privateLookupIn(start, MethodHandles.lookup());
            Class<?> child = Class.forName("dev.vfork4j.Child");
            coreStart = core.findStatic(start, "start", MethodType.methodType(child, List.class, byte[].class, int.class, Path.class,
                boolean[].class, int[].class, boolean.class, Mechanism.class, boolean.class));
            coreJdkHandle = core.findStatic(start, "jdkHandle", MethodType.methodType(ProcessHandle.class, child));
            coreStartMillis = core.findStatic(start, "startMillisSinceBoot", MethodType.methodType(long.class, child))
                .asType(MethodType.methodType(long.class, Process.class)); // invokeExact: no adapter spun at a start
            coreWhenReaped = core.findStatic(start, "whenReaped", MethodType.methodType(void.class, child, IntConsumer.class));
            MethodHandle preload = core.findStatic(core.findClass("dev.vfork4j.Preload"), "start", MethodType.methodType(void.class));
            try {
                preload.invokeExact();
            } catch (Throwable t) {
                throw new AssertionError("Preload.start never throws", t);
            }
            Class.forName(ProcessImplHook.class.getName(), true, ClassLoader.getSystemClassLoader()).getField("HOOK").get(null);
            ProcessHandle.current();
            // best() passes a mechanism over only when it can never work here; one asked for by name is probed.
            Mechanism candidate = chosen != null ? chosen : Mechanism.best();
            if (candidate == Mechanism.JDK || (chosen != null && !chosen.isAvailable())) {
                Mechanism asked = chosen != null ? chosen : Mechanism.VFORK;
                Agent.log(Level.WARNING, "vfork4j agent declines: " + asked + " is not available here ("
                    + asked.unavailableReason().orElse("no native mechanism") + "); ProcessBuilder starts children the JDK's way", null);
            } else {
                m = candidate;
                if (m == Mechanism.VFORK || m == Mechanism.FORK) {
                    // now, while this JVM's fd numbers are low: the application opens its own later
                    dev.vfork4j.spawn.CloneLauncher.reserveLowFds();
                }
                prepareFirstStart();
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Agent.log(Level.WARNING, "vfork4j agent declines: its mechanism failed to start (" + e
                + "); ProcessBuilder starts children the JDK's way", null);
        } finally {
            warm.complete(m); // whatever happened, no start waits for ever
        }
        return m != null;
    }

    /**
     * What an application's first start through the agent would otherwise do itself, done once
     * the mechanism is known to work: loads {@link #FIRST_START_CLASSES}, runs the static
     * initialisers of the library's and the agent's among them (no start through the agent
     * reaches them before the warm-up ends, so no application thread initialises them at the
     * same time), and starts vfork4j's event loop (its thread, epoll set and shutdown hook: one
     * idle thread from here on in a JVM whose agent engages). A first start 1 s after main took
     * 34-41 ms before and 19-34 ms after (six fresh JVMs each). Never throws, and never makes the
     * agent decline: what fails here (a name that does not resolve, no thread or fd for the
     * loop at this moment) the first start does again, and reports as it always did.
     */
    private static void prepareFirstStart() {
        ClassLoader own = ProcessImplHook.class.getClassLoader();
        for (String name : FIRST_START_CLASSES) {
            boolean jdk = name.startsWith("java.") || name.startsWith("jdk.");
            try {
                Class.forName(name, !jdk, jdk ? null : own);
            } catch (ClassNotFoundException | LinkageError e) {
                // a hint only: the first start loads it as it always did
            }
        }
        try {
            EventLoop.shared();
        } catch (IOException | RuntimeException e) {
            // left to the first start, which tries again
        }
    }

    /** The mechanism, once the warm-up is over (a start in {@code wait} mode waits for it here); null when there is none. */
    private static Mechanism mechanism() {
        return mechanism.join();
    }

    /** {@link #HOOK}: unpacks the arguments; the IOException of a failed start leaves apply() unchecked, as ProcessImpl.start throws it. */
    private static Object offer(Object[] a) {
        try {
            return start((String[]) a[0], castMap(a[1]), (String) a[2], (ProcessBuilder.Redirect[]) a[3], (Boolean) a[4],
                (MethodHandles.Lookup) a[5]);
        } catch (IOException e) {
            throw ProcessImplHook.<RuntimeException>sneaky(e);
        }
    }

    @SuppressWarnings("unchecked") // ProcessImpl.start's parameter is a Map<String, String>
    private static Map<String, String> castMap(Object map) {
        return (Map<String, String>) map;
    }

    /** Throws {@code t} as it is: ProcessImpl.start declares IOException, Function.apply does not. */
    @SuppressWarnings("unchecked") // erased: T is never checked, so any Throwable passes
    private static <T extends Throwable> T sneaky(Throwable t) throws T {
        throw (T) t;
    }

    /**
     * The hook: the same parameters as ProcessImpl.start, and ProcessImpl's Lookup.
     *
     * @param cmdarray            the command, checked by ProcessBuilder
     * @param environment         the builder's environment map, or null when it was never touched (the
     *                            child then gets the process's environ, as the JDK's does)
     * @param dir                 the working directory, or null
     * @param redirects           stdin, stdout, stderr, or null for three pipes
     * @param redirectErrorStream stderr into stdout
     * @param processImpl         a Lookup made in ProcessImpl (used at the first start)
     * @return the child, or null to let the JDK start it
     * @throws IOException as ProcessImpl.start throws it (ProcessBuilder adds "Cannot run program")
     */
    static Process start(String[] cmdarray, Map<String, String> environment, String dir,
                         ProcessBuilder.Redirect[] redirects, boolean redirectErrorStream, MethodHandles.Lookup processImpl)
        throws IOException {
        if (!engaged || (jdkUntilReady && !mechanism.isDone())) {
            // Before anything else, and no lock, no log: a start before the warm-up is over costs what it costs without the agent.
            AgentStats.declined();
            return null;
        }
        JdkAccess jdk = access(processImpl);
        if (jdk == NO_ACCESS || INSIDE.get() != null || !doable(jdk, dir, redirects)) {
            AgentStats.declined();
            return null;
        }
        INSIDE.set(Boolean.TRUE);
        try {
            Mechanism m = mechanism();
            Process p = m == null ? null : startWith(jdk, m, cmdarray, environment, dir, redirects, redirectErrorStream);
            if (p == null) {
                AgentStats.declined();
            } else {
                AgentStats.started();
            }
            return p;
        } finally {
            INSIDE.remove();
        }
    }

    /**
     * What the hook needs of java.base, made once from ProcessImpl's own Lookup; NO_ACCESS for
     * good when that fails (logged once). A Lookup that is not ProcessImpl's (HOOK called by
     * someone else) declines that call alone.
     */
    private static JdkAccess access(MethodHandles.Lookup processImpl) {
        JdkAccess a = access;
        if (a == null) {
            if (processImpl == null || processImpl.lookupClass() != ProcessImplLookup.CLASS || !processImpl.hasFullPrivilegeAccess()) {
                return NO_ACCESS;
            }
            try {
                a = JdkAccess.of(processImpl);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                Agent.log(Level.WARNING, "vfork4j agent declines: this JDK's ProcessImpl is not the one it knows (" + e
                    + "); ProcessBuilder starts children the JDK's way", null);
                a = NO_ACCESS;
            }
            access = a;
        }
        return a;
    }

    /** ProcessImpl, looked up once (the class is loaded by the time the hook runs). */
    private static final class ProcessImplLookup {
        static final Class<?> CLASS = find();

        private static Class<?> find() {
            try {
                return Class.forName("java.lang.ProcessImpl", false, null);
            } catch (ClassNotFoundException e) {
                return Void.class; // matches no Lookup: every call declines
            }
        }
    }

    /** False for what ProcessBuilder never passes, or what vfork4j would not do the JDK's way. */
    private static boolean doable(JdkAccess jdk, String dir, ProcessBuilder.Redirect[] redirects) {
        if (dir != null && dir.indexOf('\0') >= 0) {
            return false; // the JDK's C string ends at the NUL
        }
        if (redirects == null) {
            return true;
        }
        if (redirects.length != 3 || jdk.pipeImpl().isInstance(redirects[2])) {
            return false;
        }
        // startPipeline's input is the previous stage's read end, always open.
        return !jdk.pipeImpl().isInstance(redirects[0]) || jdk.fdOf(jdk.pipeFd(redirects[0])) >= 0;
    }

    private static Process startWith(JdkAccess jdk, Mechanism m, String[] cmdarray, Map<String, String> environment, String dir,
                                     ProcessBuilder.Redirect[] redirects, boolean redirectErrorStream) throws IOException {
        int[] sources = {-1, -1, -1};
        boolean[] inherit = new boolean[3];
        FileInputStream f0 = null;
        FileOutputStream f1 = null;
        FileOutputStream f2 = null;
        int[] nextStage = null; // a pipeline stage's output pipe: read end for the next stage, write end for this child
        // First, as ProcessImpl.start makes it: the JDK's own bytes, which keep an inherited
        // variable's even when sun.jnu.encoding cannot decode them; null (the builder's environment
        // never touched) gives the child the process's environ, as the JDK's child gets it.
        int[] envc = new int[1];
        byte[] envBlock;
        try {
            envBlock = jdk.environmentBlock(environment, envc);
        } catch (ClassCastException e) {
            return null; // not ProcessBuilder's map: the JDK's code fails as it fails
        }
        try {
            if (redirects != null) {
                // ProcessImpl's order and classes: a file that cannot be opened fails as FileInputStream/FileOutputStream fail.
                ProcessBuilder.Redirect r0 = redirects[0];
                if (r0 == ProcessBuilder.Redirect.INHERIT) {
                    inherit[0] = true;
                } else if (jdk.pipeImpl().isInstance(r0)) {
                    sources[0] = jdk.fdOf(jdk.pipeFd(r0));
                } else if (r0 != ProcessBuilder.Redirect.PIPE) {
                    f0 = new FileInputStream(r0.file());
                    sources[0] = jdk.fdOf(f0.getFD());
                }
                ProcessBuilder.Redirect r1 = redirects[1];
                if (r1 == ProcessBuilder.Redirect.INHERIT) {
                    inherit[1] = true;
                } else if (!jdk.pipeImpl().isInstance(r1) && r1 != ProcessBuilder.Redirect.PIPE) {
                    f1 = new FileOutputStream(r1.file(), r1.type() == ProcessBuilder.Redirect.Type.APPEND);
                    sources[1] = jdk.fdOf(f1.getFD());
                }
                ProcessBuilder.Redirect r2 = redirects[2];
                if (r2 == ProcessBuilder.Redirect.INHERIT) {
                    inherit[2] = true;
                } else if (r2 != ProcessBuilder.Redirect.PIPE) {
                    // Opened with redirectErrorStream too, as the JDK does: created, truncated, or failing the start.
                    f2 = new FileOutputStream(r2.file(), r2.type() == ProcessBuilder.Redirect.Type.APPEND);
                    sources[2] = jdk.fdOf(f2.getFD());
                }
                if (jdk.pipeImpl().isInstance(r1)) {
                    nextStage = Posix.pipe(); // where the JDK's forkAndExec makes it: after the files
                    sources[1] = nextStage[1];
                }
            }
            Process child;
            try {
                child = (Process) coreStart.invoke(Arrays.asList(cmdarray), envBlock, envc[0], dir == null ? null : Path.of(dir),
                    inherit, sources, redirectErrorStream, m, jdk.glibcSignalsIgnored());
            } catch (IOException e) {
                throw e; // the child's own failure, worded as ProcessImpl words it
            } catch (RuntimeException | LinkageError e) {
                // vfork4j could not even try (nothing was started): the JDK's code starts this child.
                if (FAILURE_LOGGED.compareAndSet(false, true)) {
                    Agent.log(Level.WARNING, "vfork4j agent: a start was left to the JDK, as vfork4j failed before making the child ("
                        + e + "); further such starts are left to the JDK silently", null);
                }
                return null;
            } catch (Throwable t) {
                throw new AssertionError("ProcessImplStart.start throws only what it declares", t);
            }
            if (nextStage != null) {
                jdk.setFd(jdk.pipeFd(redirects[1]), nextStage[0]); // startPipeline closes it after the next stage
                nextStage[0] = -1;
            }
            boolean pipeIn = redirects == null || redirects[0] == ProcessBuilder.Redirect.PIPE;
            boolean pipeOut = redirects == null || redirects[1] == ProcessBuilder.Redirect.PIPE;
            boolean pipeErr = redirects == null || redirects[2] == ProcessBuilder.Redirect.PIPE;
            InputStream stderr = !pipeErr ? jdk.nullInput() : redirectErrorStream
                ? new BufferedInputStream(new MergedErrorStream()) : null; // the JDK's is buffered too
            if (jdk.exits() != null) {
                jdk.exits().add(child, coreWhenReaped);
            }
            return new JdkShapedProcess(child, jdkHandle(jdk, child), pipeIn ? null : jdk.nullOutput(), pipeOut ? null : jdk.nullInput(),
                stderr);
        } finally {
            if (nextStage != null) {
                closeQuietly(nextStage[0]);
                closeQuietly(nextStage[1]);
            }
            // As ProcessImpl: the child has its copies; an IOException from close propagates.
            try {
                if (f0 != null) {
                    f0.close();
                }
            } finally {
                try {
                    if (f1 != null) {
                        f1.close();
                    }
                } finally {
                    if (f2 != null) {
                        f2.close();
                    }
                }
            }
        }
    }

    /**
     * The JDK's handle of the child, as ProcessImpl makes one for every child it starts (at once,
     * before its reaper can reap it): made from the start time the clone gave ({@link JdkHandles})
     * where it can be, else taken the JDK's way (and learnt from); the child's own handle in the
     * rare case the child was reaped before it could be taken (it had exited already: nothing
     * can be asked of it then).
     */
    private static ProcessHandle jdkHandle(JdkAccess jdk, Process child) {
        JdkHandles ready = handles(jdk);
        long sinceBoot;
        ProcessHandle h;
        try {
            sinceBoot = ready == null ? -1 : (long) coreStartMillis.invokeExact(child);
            h = ready == null ? null : ready.of(child.pid(), sinceBoot);
            if (h != null) {
                return h;
            }
            h = (ProcessHandle) coreJdkHandle.invoke(child);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("ProcessImplStart.jdkHandle and startMillisSinceBoot throw no checked exception", t);
        }
        if (h == null) {
            return child.toHandle();
        }
        if (ready != null) {
            ready.learn(h, sinceBoot);
        }
        return h;
    }

    /** {@link #handles}, or null; the first call asks vfork4j's loop thread to make them. */
    private static JdkHandles handles(JdkAccess jdk) {
        JdkHandles h = handles;
        if (h == null) {
            Object asked = HANDLES_ASKED.get();
            if (asked == null || (asked instanceof EventLoop l && l.death() != null)) {
                try {
                    EventLoop loop = EventLoop.shared();
                    if (HANDLES_ASKED.compareAndSet(asked, loop)) {
                        loop.execute(new MakeHandles(jdk.lookup()));
                    }
                } catch (IOException | RuntimeException e) {
                    // no loop at this moment (no fd, no thread): a later start asks again
                }
            }
        }
        return h;
    }

    /** Makes {@link #handles} on the loop thread (a class, not a lambda: a lambda costs its first use a spun class). */
    private record MakeHandles(MethodHandles.Lookup processImpl) implements Runnable {
        @Override
        public void run() {
            try {
                JdkHandles made = JdkHandles.of(processImpl);
                if (made == null) {
                    HANDLES_ASKED.set(HANDLES_NEVER);
                } else {
                    handles = made;
                }
            } catch (RuntimeException | Error e) {
                HANDLES_ASKED.set(null); // an OutOfMemoryError, say: a later start asks again
            }
        }
    }

    private static void closeQuietly(int fd) {
        if (fd >= 0) {
            Posix.close(fd);
        }
    }
}
