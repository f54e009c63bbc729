package dev.vfork4j.cli;

import java.util.List;

/**
 * Where another JVM finds this CLI's code, for the JVMs the CLI starts itself (the lab's probes,
 * bench's workers): the module path when this CLI runs as the module {@code dev.vfork4j.cli},
 * else the class path, as this JVM was started. A probe started on the class path by a CLI on
 * the module path would find no class at all ({@code java.class.path} is empty there).
 *
 * @param modules whether {@code path} is a module path
 * @param path    the module path or the class path
 */
public record CodePath(boolean modules, String path) {

    /** This CLI's module (module-info.java). */
    static final String MODULE = "dev.vfork4j.cli";
    /**
     * The modules that make native calls, as the launcher grants them: the library, this CLI (the
     * lab's glibc calls) and jline's terminal library (bench's progress bar on a terminal).
     */
    static final String NATIVE_MODULES = "dev.vfork4j," + MODULE + ",org.jline.nativ";

    /** This JVM's own: its module path when the CLI runs as a named module, else its class path. */
    public static CodePath current() {
        return CodePath.class.getModule().isNamed()
            ? new CodePath(true, System.getProperty("jdk.module.path", ""))
            : new CodePath(false, System.getProperty("java.class.path", ""));
    }

    /** A class path: for tests. */
    public static CodePath classPath(String path) {
        return new CodePath(false, path);
    }

    /** The flag that grants native access to the code on this path. */
    public String nativeAccess() {
        return "--enable-native-access=" + (modules ? NATIVE_MODULES : "ALL-UNNAMED");
    }

    /**
     * The JVM options that put this code on a new JVM's path and run {@code main} (a class of
     * this CLI), to be followed by its arguments: {@code --module-path P -m dev.vfork4j.cli/C} or
     * {@code -cp P C}.
     */
    public List<String> main(Class<?> main) {
        return modules
            ? List.of("--module-path", path, "-m", MODULE + "/" + main.getName())
            : List.of("-cp", path, main.getName());
    }
}
