package dev.vfork4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Strings as the JDK hands them to the kernel: encoded with {@code sun.jnu.encoding}, the
 * platform encoding of file names, which follows the locale the JVM was started in
 * (ISO-8859-1 under {@code LANG=en_US.ISO-8859-1}, US-ASCII under {@code LANG=C}, UTF-8 in a
 * UTF-8 locale). ProcessImpl encodes the program, the arguments, the environment and the
 * directory with it, and FileInputStream/FileOutputStream the redirect files' names, so a
 * child started by vfork4j receives the same bytes as one started by ProcessBuilder and a
 * redirect names the same file. A character the charset cannot map becomes its replacement
 * ('?'), as {@link String#getBytes(Charset)} and the JDK do.
 */
public final class PlatformStrings {
    private PlatformStrings() {}

    /**
     * The charset, read once: the JDK too reads {@code sun.jnu.encoding} once at start-up (and
     * falls back to UTF-8, as here, when the platform's is not supported).
     */
    public static final Charset CHARSET = charset(System.getProperty("sun.jnu.encoding"));

    static Charset charset(String name) {
        try {
            return name != null && Charset.isSupported(name) ? Charset.forName(name) : StandardCharsets.UTF_8;
        } catch (IllegalArgumentException e) { // an illegal charset name
            return StandardCharsets.UTF_8;
        }
    }

    /** {@code s} encoded, without a terminating NUL. */
    public static byte[] bytes(String s) {
        return s.getBytes(CHARSET);
    }

    /** A NUL-terminated copy of {@code s}, encoded, in {@code arena}. */
    public static MemorySegment cString(Arena arena, String s) {
        byte[] bytes = bytes(s);
        MemorySegment c = arena.allocate(bytes.length + 1L);
        MemorySegment.copy(bytes, 0, c, ValueLayout.JAVA_BYTE, 0, bytes.length);
        c.set(ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
        return c;
    }
}
