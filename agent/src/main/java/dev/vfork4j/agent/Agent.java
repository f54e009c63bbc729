package dev.vfork4j.agent;

import dev.vfork4j.Mechanism;
import java.lang.System.Logger.Level;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The agent's installation, at premain, from the boot class path: it decides whether vfork4j
 * may start this JVM's children, makes java.base able to call the hook, and rewrites
 * java.lang.ProcessImpl.start. Each way it can end is one log record of
 * {@link System.Logger} {@value #LOGGER}: WARNING when the agent declines for a reason the user
 * should fix, INFO for {@code -Dvfork4j.agent=off}, DEBUG when it engages. Never throws: a JVM
 * whose agent declines starts, and starts its children the JDK's way.
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
     * Installs the agent into this JVM.
     *
     * @param inst the JVM's instrumentation
     */
    public static void install(Instrumentation inst) {
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
        if (!Agent.class.getModule().isNativeAccessEnabled()) {
            // Checked before any native call: one would print the JDK's warning, or throw under deny.
            return "native access is not enabled for the agent (start the JVM with --enable-native-access=ALL-UNNAMED)";
        }
        Module base = Object.class.getModule();
        Module hook = Agent.class.getModule();
        // java.base links to the hook (it reads the boot loader's unnamed module); the hook reads
        // a pipeline's RedirectPipeImpl and the JDK's null streams (java.lang) and gets and sets
        // the int of a FileDescriptor as ProcessImpl does (java.io). javac's --release refuses
        // --add-exports of java.base, so jdk.internal.access is out of reach; the fields are not.
        inst.redefineModule(base, Set.of(hook), Map.of(),
            Map.of("java.lang", Set.of(hook), "java.io", Set.of(hook)), Set.of(), Map.of());
        String notJdk = ProcessImplHook.prepare(chosen);
        if (notJdk != null) {
            return notJdk;
        }
        ProcessImplRewrite rewrite = new ProcessImplRewrite();
        inst.addTransformer(rewrite, true);
        try {
            Class<?> loaded = loadedProcessImpl(inst);
            if (loaded != null) {
                inst.retransformClasses(loaded);
            } else {
                Class.forName("java.lang.ProcessImpl", false, null); // loaded, not initialised: transformed now
            }
        } catch (UnmodifiableClassException | ClassNotFoundException e) {
            return "java.lang.ProcessImpl cannot be rewritten (" + e + ")";
        } finally {
            inst.removeTransformer(rewrite);
        }
        String outcome = rewrite.outcome();
        if (outcome != null) {
            return outcome;
        }
        ProcessImplHook.engage();
        log(Level.DEBUG, "vfork4j agent engaged: java.lang.ProcessImpl.start offers each start to vfork4j ("
            + (chosen == null ? "Mechanism.best()" : chosen) + ")", null);
        return null;
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
