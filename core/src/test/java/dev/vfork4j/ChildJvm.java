package dev.vfork4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Starts a disposable JVM on this test run's class path, for what must not happen in this one.
 * Its environment has no JDK_JAVA_OPTIONS, JAVA_TOOL_OPTIONS or _JAVA_OPTIONS: a probe JVM
 * tests a fresh JVM's own state (its native access, the classes it loads, what it prints), so
 * options meant for the JVMs of a build (an agent in every JVM, a developer's settings) must
 * not reach it, nor the "Picked up …" line the launcher prints for them.
 */
final class ChildJvm {
    private ChildJvm() {}

    static String java() {
        return ProcessHandle.current().info().command().orElseThrow();
    }

    /** The variables through which options reach a JVM without its command line. */
    static final List<String> OPTION_VARIABLES = List.of("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS");

    /** {@code c} with none of {@link #OPTION_VARIABLES} in its environment. */
    static Command fresh(Command c) {
        for (String name : OPTION_VARIABLES) {
            c = c.removeEnv(name);
        }
        return c;
    }

    /** A JVM running {@code main} with {@code jvmOptions} before the class name, in a fresh environment. */
    static Command command(List<String> jvmOptions, Class<?> main, String... args) {
        return fresh(Command.of(argv(jvmOptions, main, args)));
    }

    /** argv of a JVM running {@code main} with {@code jvmOptions} before the class name. */
    static List<String> argv(List<String> jvmOptions, Class<?> main, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(java());
        argv.add("-Xmx64m");
        argv.add("-XX:TieredStopAtLevel=1");
        argv.add("-cp");
        argv.add(System.getProperty("java.class.path"));
        argv.addAll(jvmOptions);
        argv.add(main.getName());
        argv.addAll(List.of(args));
        return argv;
    }
}
