package dev.vfork4j.linux;

import java.util.Locale;

/**
 * Whether this JVM lets vfork4j make native calls, and if not, the exact flag that fixes it.
 * Probed at the first question, for real: a JVM started with {@code --illegal-native-access=deny}
 * and no {@code --enable-native-access} refuses the first restricted call with an
 * IllegalCallerException. Only that definitive answer, or success, is kept.
 */
public final class NativeAccess {
    private NativeAccess() {}

    /** "" when native calls work, else why not; null until probed. */
    private static volatile String problem;

    /** The flag to pass, for the module or class path vfork4j was loaded from. */
    public static String flag() {
        Module m = NativeAccess.class.getModule();
        return "--enable-native-access=" + (m.isNamed() ? m.getName() : "ALL-UNNAMED");
    }

    /** True when native calls can be made here (possibly with the JDK's warning). */
    public static boolean available() {
        return problem() == null;
    }

    /** Why native calls cannot be made, or null when they can. */
    public static String problem() {
        String p = problem;
        if (p == null) {
            p = probe();
            problem = p;
        }
        return p.isEmpty() ? null : p;
    }

    /** True when native access was granted explicitly (no JDK warning on first use). */
    public static boolean enabled() {
        return NativeAccess.class.getModule().isNativeAccessEnabled();
    }

    /**
     * What a native call refused by the JVM becomes: an UnsupportedOperationException that names
     * the flag to pass, with the JVM's refusal as its cause.
     */
    public static UnsupportedOperationException refused(IllegalCallerException e) {
        return new UnsupportedOperationException(deniedMessage(e), e);
    }

    private static String deniedMessage(IllegalCallerException e) {
        return "native access is not enabled for vfork4j: start the JVM with " + flag() + " (" + e.getMessage() + ")";
    }

    private static String probe() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "vfork4j's native mechanisms need Linux; this is " + System.getProperty("os.name");
        }
        if (Arch.CURRENT == null) {
            return "vfork4j has no constants for os.arch=" + System.getProperty("os.arch");
        }
        // The handle every native call goes through: restricted like every downcall, and made
        // for a function address given at each call, so nothing here opens a file or loads a
        // library, and nothing is made that the first call would not make anyway.
        IllegalCallerException refused = LibC.refusal();
        return refused == null ? "" : deniedMessage(refused);
    }
}
