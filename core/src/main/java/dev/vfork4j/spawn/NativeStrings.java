package dev.vfork4j.spawn;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.vfork4j.linux.PlatformStrings;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

/**
 * argv and envp as NULL-terminated arrays of C strings, encoded as the JDK encodes them
 * ({@link PlatformStrings}: {@code sun.jnu.encoding}).
 */
final class NativeStrings {
    private NativeStrings() {}

    /*
     * The arrays are written as longs (the pointers' addresses; vfork4j runs on 64-bit Linux
     * only): the first ADDRESS access of a JVM makes a VarHandle of its own, which cost a fresh
     * JVM's first spawn some milliseconds; the plan is written with JAVA_LONG anyway.
     */

    /**
     * The shell a script without {@code #!} is run with, as execvp and the JDK run it: the one
     * place the library names a shell (SecurityTest checks that), and it is never given
     * {@code -c}, only the script's path and the Command's arguments.
     */
    static String shell() {
        return "/bin/sh";
    }

    static MemorySegment array(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(JAVA_LONG, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(JAVA_LONG, i, PlatformStrings.cString(arena, strings.get(i)).address());
        }
        array.setAtIndex(JAVA_LONG, strings.size(), 0L); // NULL
        return array;
    }

    /**
     * argv for running {@code script} (a file execve refused with ENOEXEC) with the shell:
     * {"/bin/sh", script, argv[1], ..., NULL}, the shape of glibc's execvp and of the JDK's
     * childproc.c. {@code argv} is an array made by {@link #array} with {@code argc} strings;
     * its strings are shared, not copied.
     */
    static MemorySegment shellArray(Arena arena, MemorySegment shell, MemorySegment script, MemorySegment argv,
                                    int argc) {
        MemorySegment array = arena.allocate(JAVA_LONG, Math.max(argc, 1) + 2L);
        array.setAtIndex(JAVA_LONG, 0, shell.address());
        array.setAtIndex(JAVA_LONG, 1, script.address());
        for (int i = 1; i < argc; i++) {
            array.setAtIndex(JAVA_LONG, i + 1, argv.getAtIndex(JAVA_LONG, i));
        }
        array.setAtIndex(JAVA_LONG, Math.max(argc, 1) + 1L, 0L); // NULL
        return array;
    }

    /**
     * This JVM's own environment, laid out once: {@link System#getenv()} never changes and is
     * what every Command that does not touch its environment passes, so most spawns reuse this
     * instead of copying fifty strings.
     */
    private static volatile MemorySegment inherited; // laid out at first use: a failed malloc is not kept

    static MemorySegment environment(Arena arena, Map<String, String> env) {
        if (env instanceof JdkEnvironment jdk) {
            return jdk.envp(arena); // the agent's: environ, or the JDK's own bytes
        }
        if (env == System.getenv()) {
            MemorySegment envp = inherited;
            if (envp == null) {
                synchronized (NativeStrings.class) {
                    envp = inherited;
                    if (envp == null) {
                        envp = layOut(Arena.global(), env);
                        inherited = envp;
                    }
                }
            }
            return envp;
        }
        return layOut(arena, env);
    }

    private static MemorySegment layOut(Arena arena, Map<String, String> env) {
        MemorySegment array = arena.allocate(JAVA_LONG, env.size() + 1L);
        int i = 0;
        for (Map.Entry<String, String> e : env.entrySet()) {
            array.setAtIndex(JAVA_LONG, i++, PlatformStrings.cString(arena, e.getKey() + "=" + e.getValue()).address());
        }
        array.setAtIndex(JAVA_LONG, i, 0L); // NULL
        return array;
    }
}
