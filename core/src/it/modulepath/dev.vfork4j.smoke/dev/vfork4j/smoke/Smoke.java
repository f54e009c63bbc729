package dev.vfork4j.smoke;

import dev.vfork4j.Child;
import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Output;
import dev.vfork4j.Redirect;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InaccessibleObjectException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What an application module that requires dev.vfork4j can do with it, and what it cannot
 * reach, with vfork4j's jar on the module path. Prints one fact a line, {@code key=value}, for
 * ModulePathIT (core/src/test) to check; it starts this in a JVM of its own.
 */
public final class Smoke {
    private Smoke() {}

    public static void main(String[] args) throws Exception {
        Module lib = Command.class.getModule();
        fact("module", lib.getName());
        fact("nativeAccessEnabled", lib.isNativeAccessEnabled());
        fact("best", Mechanism.best());
        for (Mechanism m : Mechanism.values()) {
            fact(m + ".available", m.isAvailable());
            fact(m + ".reason", m.unavailableReason().orElse("").replace('\n', ' '));
            if (!m.isAvailable() && m != Mechanism.JDK) {
                continue;
            }
            // each verb once: output() pipes, run() inherits, start() with pipes asked for
            Output out = Command.of("echo", "hello").mechanism(m).output();
            fact(m + ".output", out.stdoutText().strip() + " " + out.status().exitValue());
            fact(m + ".run", Command.of("sh", "-c", "exit 3").mechanism(m).run().exitValue());
            Child c = Command.of("tr", "a-z", "A-Z").mechanism(m).stdin(Redirect.PIPE).stdout(Redirect.PIPE).start();
            try (OutputStream in = c.getOutputStream()) {
                in.write("abc".getBytes(StandardCharsets.UTF_8));
            }
            String upper = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            fact(m + ".start", upper + " " + c.waitFor() + " " + c.mechanism());
        }

        for (String pkg : List.of("dev.vfork4j", "dev.vfork4j.linux", "dev.vfork4j.loop", "dev.vfork4j.spawn",
                "dev.vfork4j.spawn.asm")) {
            fact("exported." + pkg, lib.isExported(pkg, Smoke.class.getModule()));
            fact("open." + pkg, lib.isOpen(pkg, Smoke.class.getModule()));
        }
        // The class is there to load, and closed to every way in.
        Class<?> libc = Class.forName("dev.vfork4j.linux.LibC");
        fact("LibC.module", libc.getModule().getName());
        try {
            fact("LibC.invoke", libc.getMethod("gnu_get_libc_version").invoke(null));
        } catch (IllegalAccessException e) {
            fact("LibC.invoke", e.getClass().getSimpleName());
        }
        try {
            libc.getDeclaredMethod("gnu_get_libc_version").setAccessible(true);
            fact("LibC.setAccessible", "allowed");
        } catch (InaccessibleObjectException e) {
            fact("LibC.setAccessible", e.getClass().getSimpleName());
        }
        try {
            MethodHandles.lookup().findStatic(libc, "gnu_get_libc_version", MethodType.methodType(String.class));
            fact("LibC.lookup", "allowed");
        } catch (IllegalAccessException e) {
            fact("LibC.lookup", e.getClass().getSimpleName());
        }
        fact("done", true);
    }

    private static void fact(String key, Object value) {
        System.out.println(key + "=" + value);
    }
}
