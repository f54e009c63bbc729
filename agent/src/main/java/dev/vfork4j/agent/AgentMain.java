package dev.vfork4j.agent;

import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.util.jar.JarFile;

/**
 * The {@code Premain-Class}: loaded by the application class loader, it appends its own jar (the
 * agent and the library) to the boot class path and hands over to {@link Agent}, loaded from
 * there. java.base can only link to classes the boot loader defines, so the hook that
 * java.lang.ProcessImpl calls, and everything it calls, must come from the boot loader; this
 * class is the one that does not, and it is touched by nothing else.
 */
public final class AgentMain {
    private AgentMain() {}

    /**
     * Entry point of {@code -javaagent:vfork4j-agent.jar}. Never throws: whatever goes wrong,
     * the JVM starts and the JDK's own code starts its children.
     *
     * @param args the agent's options (none)
     * @param inst the JVM's instrumentation
     */
    public static void premain(String args, Instrumentation inst) {
        Class<?> agent;
        try {
            Path jar = Path.of(AgentMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            inst.appendToBootstrapClassLoaderSearch(new JarFile(jar.toFile()));
            agent = Class.forName("dev.vfork4j.agent.Agent", true, null);
        } catch (Exception | LinkageError e) {
            System.getLogger("dev.vfork4j.agent").log(System.Logger.Level.WARNING,
                "vfork4j agent declines: its jar cannot be put on the boot class path ("
                    + e + "); ProcessBuilder starts children the JDK's way");
            return;
        }
        try {
            agent.getMethod("install", Instrumentation.class).invoke(null, inst);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("Agent.install is public and static", e);
        }
    }
}
