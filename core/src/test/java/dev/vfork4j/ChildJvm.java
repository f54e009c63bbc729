package dev.vfork4j;

import java.util.ArrayList;
import java.util.List;

/** Starts a disposable JVM on this test run's class path, for what must not happen in this one. */
final class ChildJvm {
    private ChildJvm() {}

    static String java() {
        return ProcessHandle.current().info().command().orElseThrow();
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
