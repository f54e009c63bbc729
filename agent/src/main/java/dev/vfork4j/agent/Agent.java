package dev.vfork4j.agent;

import dev.vfork4j.Mechanism;
import dev.vfork4j.linux.NativeAccess;
import java.lang.System.Logger.Level;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.util.Locale;

/**
 * The {@code Premain-Class}: at premain it decides whether vfork4j may start this JVM's
 * children and rewrites java.lang.ProcessImpl.start (see {@link ProcessImplRewrite}). Each way
 * it declines is one log record of {@link System.Logger} {@value #LOGGER}: WARNING for a reason
 * the user should fix, INFO for {@code -Dvfork4j.agent=off}; when it engages it logs nothing.
 * Never throws: a JVM whose agent declines starts, and starts its children the JDK's way.
 *
 * <p>The agent and the library stay where {@code -javaagent} puts them, on the application
 * class loader, in the class path's unnamed module that {@code --enable-native-access=ALL-UNNAMED}
 * covers. Nothing is appended to the boot class path: that makes HotSpot print "Sharing is only
 * supported for boot loader classes because bootstrap classpath has been appended" on stderr and
 * give up the CDS archive for every other class, in every JVM the agent runs in. java.base
 * reaches the hook through {@link java.util.function.Function}, found by name (see
 * {@link ProcessImplRewrite}), and no module is opened or made to read another.
 */
public final class Agent {
    private Agent() {}

    /** The logger's name. */
    static final String LOGGER = "dev.vfork4j.agent";
    /** {@code -Dvfork4j.agent=off} turns the agent off. */
    static final String SWITCH = "vfork4j.agent";
    /** {@code -Dvfork4j.agent.mechanism=VFORK|FORK|POSIX_SPAWN}: the mechanism (default {@link Mechanism#best()}). */
    static final String MECHANISM = "vfork4j.agent.mechanism";
    /**
     * {@code -Dvfork4j.agent.untilReady=jdk|wait}: what a start made before the agent is ready
     * does: is left to the JDK (the default: no start ever waits for the agent, so a first start
     * costs what it costs without it) or waits (every start goes through vfork4j).
     */
    static final String UNTIL_READY = "vfork4j.agent.untilReady";

    private static final java.util.concurrent.atomic.AtomicBoolean PREMAIN_RAN = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Entry point of {@code -javaagent:vfork4j-agent.jar}.
     *
     * @param args the agent's options (none)
     * @param inst the JVM's instrumentation
     */
    public static void premain(String args, Instrumentation inst) {
        // The same jar named twice (MAVEN_OPTS and JDK_JAVA_OPTIONS both carrying it, say) calls
        // this twice on the one class: the second does nothing, so there is one rewrite, one
        // warm-up and one stats line.
        if (!PREMAIN_RAN.compareAndSet(false, true)) {
            return;
        }
        try {
            AgentStats.writeAtExit();
            String why = installOrSayWhyNot(inst);
            if (why != null) {
                boolean off = why.startsWith("-D" + SWITCH + "=off");
                log(off ? Level.INFO : Level.WARNING, "vfork4j agent declines: " + why
                    + "; ProcessBuilder starts children the JDK's way", null);
            }
        } catch (RuntimeException | LinkageError e) {
            log(Level.WARNING, "vfork4j agent declines: it failed to install (" + e
                + "); ProcessBuilder starts children the JDK's way", null);
        }
    }

    /** Installs the hook, or says why not (nothing has been changed then). */
    private static String installOrSayWhyNot(Instrumentation inst) {
        if ("off".equalsIgnoreCase(System.getProperty(SWITCH, ""))) {
            return "-D" + SWITCH + "=off";
        }
        Mechanism chosen;
        String asked = System.getProperty(MECHANISM);
        try {
            chosen = asked == null ? null : Mechanism.valueOf(asked.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            chosen = Mechanism.JDK;
        }
        if (chosen == Mechanism.JDK) {
            return "-D" + MECHANISM + "=" + asked + " is not VFORK, FORK or POSIX_SPAWN";
        }
        String untilReady = System.getProperty(UNTIL_READY, "jdk");
        if (!untilReady.equals("wait") && !untilReady.equals("jdk")) {
            return "-D" + UNTIL_READY + "=" + untilReady + " is not wait or jdk";
        }
        if (!Agent.class.getModule().isNativeAccessEnabled()) {
            // Checked before any native call: one would print the JDK's warning, or throw under deny.
            return "native access is not enabled for it (start the JVM with " + NativeAccess.flag() + ")";
        }
        if (!ProcessImplRewrite.hookReachable()) {
            return "java.lang.ProcessImpl could not find the hook by name through the system class loader ("
                + ClassLoader.getSystemClassLoader() + ")";
        }
        ProcessImplRewrite rewrite = new ProcessImplRewrite();
        Class<?> loaded = loadedProcessImpl(inst);
        Runnable rest;
        if (untilReady.equals("jdk")) {
            // No start waits for the agent: the warm-up, then the rewrite, run on a thread of their
            // own, and until the rewrite ProcessImpl is the JDK's, untouched. It is rewritten by
            // retransformation, never as it loads: a start that loaded it while the ClassFile API
            // made its first transform (tens of milliseconds in a fresh JVM) would wait for that.
            ProcessImplHook.engage(chosen, true);
            rest = () -> {
                if (ProcessImplHook.warmUp()) {
                    retransformed(inst, rewrite, loaded);
                }
            };
        } else {
            // The rewrite and the warm-up are done on a thread of their own, while the application
            // starts. The hook is engaged first: a start that loads ProcessImpl meanwhile waits for
            // the class as the JVM makes every loader of a class wait, then for the warm-up, and
            // goes through vfork4j. A ProcessImpl loaded before the agent (another agent started a
            // child in its premain) is retransformed here, before main: nothing would make a start
            // wait for that.
            ProcessImplHook.engage(chosen, false);
            inst.addTransformer(rewrite, true);
            if (loaded != null && !rewritten(inst, rewrite, loaded)) {
                return null;
            }
            rest = () -> {
                if (loaded != null || rewritten(inst, rewrite, null)) {
                    ProcessImplHook.warmUp();
                }
            };
        }
        try {
            Thread t = new Thread(rest, "vfork4j-agent");
            t.setDaemon(true);
            t.start();
        } catch (RuntimeException | OutOfMemoryError e) {
            rest.run(); // no thread now: done before main instead
        }
        return null;
    }

    /**
     * {@code untilReady=jdk}, after the warm-up: loads ProcessImpl without a transformer, as
     * nothing else needs to wait, and retransforms it ({@code loaded} is the one loaded
     * before the agent, or null).
     */
    private static void retransformed(Instrumentation inst, ProcessImplRewrite rewrite, Class<?> loaded) {
        Class<?> processImpl = loaded;
        try {
            if (processImpl == null) {
                processImpl = Class.forName("java.lang.ProcessImpl", false, null);
            }
            inst.addTransformer(rewrite, true);
        } catch (ClassNotFoundException | RuntimeException | LinkageError e) {
            ProcessImplHook.declineForGood();
            log(Level.WARNING, "vfork4j agent declines: java.lang.ProcessImpl cannot be loaded (" + e
                + "); ProcessBuilder starts children the JDK's way", null);
            return;
        }
        rewritten(inst, rewrite, processImpl);
    }

    /**
     * Rewrites ProcessImpl: loads it ({@code loaded} null) or retransforms it. False when the
     * rewrite did not happen: that is the one log record, and the hook then never runs. Engaged,
     * nothing is logged: a record at startup would initialise the logging backend
     * (java.util.logging reads its configuration then) before the application's main could
     * configure it; doctor and {@code -Dvfork4j.agent.stats} tell whether it engaged.
     */
    private static boolean rewritten(Instrumentation inst, ProcessImplRewrite rewrite, Class<?> loaded) {
        String outcome;
        try {
            if (loaded != null) {
                inst.retransformClasses(loaded);
            } else {
                Class.forName("java.lang.ProcessImpl", false, null); // loaded, not initialised: transformed now
            }
            outcome = rewrite.outcome();
        } catch (UnmodifiableClassException | ClassNotFoundException | RuntimeException | LinkageError e) {
            outcome = "java.lang.ProcessImpl cannot be rewritten (" + e + ")";
        } finally {
            inst.removeTransformer(rewrite);
        }
        if (outcome != null) {
            ProcessImplHook.declineForGood();
            log(Level.WARNING, "vfork4j agent declines: " + outcome + "; ProcessBuilder starts children the JDK's way", null);
            return false;
        }
        return true;
    }

    private static Class<?> loadedProcessImpl(Instrumentation inst) {
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (c.getName().equals("java.lang.ProcessImpl") && c.getClassLoader() == null) {
                return c;
            }
        }
        return null;
    }

    static void log(Level level, String message, Throwable t) {
        System.Logger logger = System.getLogger(LOGGER);
        if (t == null) {
            logger.log(level, message);
        } else {
            logger.log(level, message, t);
        }
    }
}
