package dev.vfork4j.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.util.Locale;

/**
 * Whether this JVM lets vfork4j make native calls, and if not, the exact flag that fixes it.
 * Probed once, for real: a JVM started with {@code --illegal-native-access=deny} and no
 * {@code --enable-native-access} refuses the first downcall with an IllegalCallerException.
 */
public final class NativeAccess {
    private NativeAccess() {}

    private static final String PROBLEM = probe();

    /** The flag to pass, for the module or class path vfork4j was loaded from. */
    public static String flag() {
        Module m = NativeAccess.class.getModule();
        return "--enable-native-access=" + (m.isNamed() ? m.getName() : "ALL-UNNAMED");
    }

    /** True when native calls can be made here (possibly with the JDK's warning). */
    public static boolean available() {
        return PROBLEM == null;
    }

    /** Why native calls cannot be made, or null when they can. */
    public static String problem() {
        return PROBLEM;
    }

    /** True when native access was granted explicitly (no JDK warning on first use). */
    public static boolean enabled() {
        return NativeAccess.class.getModule().isNativeAccessEnabled();
    }

    private static String probe() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "vfork4j's native mechanisms need Linux; this is " + System.getProperty("os.name");
        }
        if (Arch.CURRENT == null) {
            return "vfork4j has no constants for os.arch=" + System.getProperty("os.arch");
        }
        try {
            Linker.nativeLinker().defaultLookup().find("getpid").ifPresent(
                s -> Linker.nativeLinker().downcallHandle(s, FunctionDescriptor.of(
                    ValueLayout.JAVA_INT)));
            return null;
        } catch (IllegalCallerException e) {
            return "native access is not enabled for vfork4j: start the JVM with " + flag()
                + " (" + e.getMessage() + ")";
        }
    }
}
