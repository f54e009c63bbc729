package dev.vfork4j;

import dev.vfork4j.linux.NativeSignal;

/**
 * Main class for disposable JVMs: after vfork4j's first spawn, ignores each signal named in
 * the arguments through glibc's sigaction (as a native library would), then prints the SigIgn
 * of a child started by every available mechanism and by ProcessBuilder, one line each:
 * {@code NAME=SigIgn in hex}. The first line, {@code jvm=...}, is this JVM's own SigIgn.
 */
public final class SignalProbe {
    private SignalProbe() {}

    public static void main(String[] args) throws Throwable {
        // vfork4j records what the JVM inherited at its first spawn: that happens here, before
        // any signal is ignored by "native code".
        Command.of("true").mechanism(Mechanism.best()).run();
        for (String signal : args) {
            NativeSignal.ignore(Integer.parseInt(signal)); // never restored: this JVM ends soon
        }
        System.out.println("jvm=" + Long.toHexString(NativeSignal.ignoredNow()));
        for (Mechanism m : Mechanism.values()) {
            if (m.isAvailable()) {
                String status = Command.of("cat", "/proc/self/status").mechanism(m).output().stdoutText();
                System.out.println(m + "=" + Long.toHexString(NativeSignal.ignored(status)));
            }
        }
        Process p = new ProcessBuilder("cat", "/proc/self/status").start();
        String status = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        System.out.println("ProcessBuilder=" + Long.toHexString(NativeSignal.ignored(status)));
    }
}
