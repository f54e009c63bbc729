package dev.vfork4j.spawn;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.vfork4j.linux.LibC;
import dev.vfork4j.linux.PlatformStrings;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A child's environment exactly as the JDK's ProcessImpl hands it to execve, for the agent's
 * starts: either the process's {@code environ} at the moment of the spawn (ProcessBuilder's
 * environment never touched: the JDK passes no block and its child code execs with
 * {@code environ}), or the bytes of the JDK's own environment block
 * ({@code ProcessEnvironment.toEnvironmentBlock}: {@code NAME=value} entries, each ended by a
 * NUL, where a variable the JVM inherited keeps the bytes it had, even those its charset cannot
 * decode). Laying out a {@code Map<String, String>} instead would re-encode every variable from
 * its String, and give the inherited environment in {@link System#getenv()}'s hash order, without
 * what native code set after the JVM started.
 *
 * <p>As a Map it shows the variables decoded with {@link PlatformStrings#CHARSET} (the first of
 * a name given twice), for the one launcher that needs Strings: the JDK mechanism.
 */
public final class JdkEnvironment extends AbstractMap<String, String> {
    /** The JDK's block, or null for the process's {@code environ}. */
    private final byte[] block;
    private final int count;
    private volatile Map<String, String> decoded; // made at first use as a Map

    private JdkEnvironment(byte[] block, int count) {
        this.block = block;
        this.count = count;
    }

    /** The process's {@code environ}, read at each spawn. */
    public static JdkEnvironment processEnviron() {
        return new JdkEnvironment(null, 0);
    }

    /**
     * The JDK's environment block: {@code count} entries of {@code NAME=value}, each ended by a
     * NUL (the last may omit it: the block's end ends it). The array is not copied: the agent
     * makes a new one for each start, as ProcessImpl does, and never changes it.
     *
     * @throws IllegalArgumentException when the block does not hold {@code count} entries
     */
    public static JdkEnvironment ofBlock(byte[] block, int count) {
        int entries = 0;
        for (int i = 0; i < block.length; i++) {
            if (block[i] == 0 || i == block.length - 1) {
                entries++;
            }
        }
        if (count < 0 || entries != count) {
            throw new IllegalArgumentException("an environment block of " + entries + " entries, not " + count);
        }
        return new JdkEnvironment(block, count);
    }

    /**
     * envp for execve: {@code environ}'s value now, or the block laid out in {@code arena}.
     * {@code environ} is read by the spawning thread just before the child is made; the child
     * execs with it as the JDK's child execs with {@code environ} (a setenv in another thread at
     * that moment races with both alike).
     */
    MemorySegment envp(Arena arena) {
        if (block == null) {
            return LibC.environ();
        }
        MemorySegment strings = arena.allocate(block.length + 1L);
        MemorySegment.copy(block, 0, strings, JAVA_BYTE, 0, block.length);
        strings.set(JAVA_BYTE, block.length, (byte) 0);
        MemorySegment array = arena.allocate(JAVA_LONG, count + 1L);
        int start = 0;
        for (int i = 0; i < count; i++) {
            array.setAtIndex(JAVA_LONG, i, strings.address() + start);
            while (start < block.length && block[start] != 0) {
                start++;
            }
            start++; // past the NUL
        }
        array.setAtIndex(JAVA_LONG, count, 0L); // NULL
        return array;
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
        Map<String, String> d = decoded;
        if (d == null) {
            d = block == null ? System.getenv() : Collections.unmodifiableMap(decode(block, count));
            decoded = d;
        }
        return d.entrySet();
    }

    private static Map<String, String> decode(byte[] block, int count) {
        Map<String, String> variables = new LinkedHashMap<>();
        int start = 0;
        for (int i = 0; i < count; i++) {
            int end = start;
            while (end < block.length && block[end] != 0) {
                end++;
            }
            String entry = new String(block, start, end - start, PlatformStrings.CHARSET);
            int eq = entry.indexOf('='); // a name has no '=' (it may be empty); a value may
            if (eq >= 0) {
                variables.putIfAbsent(entry.substring(0, eq), entry.substring(eq + 1));
            }
            start = end + 1;
        }
        return variables;
    }

    @Override
    public String toString() {
        return block == null ? "environ" : "JDK environment block of " + count + " variables";
    }
}
