package dev.vfork4j.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vfork4j.linux.PlatformStrings;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The agent's environment, as a Map (for the JDK mechanism, which takes Strings) and as envp:
 * the block's entries in its order, a name given twice shown once as getenv shows it (the first),
 * a block that does not hold the entries it claims refused. What reaches a child is
 * {@code dev.vfork4j.ProcessImplStartTest}'s.
 */
class JdkEnvironmentTest {

    private static byte[] block(String... entries) {
        return (String.join("\0", entries) + "\0").getBytes(PlatformStrings.CHARSET);
    }

    @Test
    void asAMapItShowsTheBlocksVariablesDecodedTheFirstOfANameGivenTwice() {
        JdkEnvironment env = JdkEnvironment.ofBlock(block("A=1", "B=x=y", "=empty name", "A=2"), 4);
        assertThat(env).containsExactly(Map.entry("A", "1"), Map.entry("B", "x=y"), Map.entry("", "empty name"));
        assertThat(JdkEnvironment.ofBlock(new byte[0], 0)).isEmpty();
        assertThat(JdkEnvironment.processEnviron()).isEqualTo(System.getenv());
    }

    @Test
    void aBlockThatDoesNotHoldItsCountIsRefused() {
        assertThatThrownBy(() -> JdkEnvironment.ofBlock(block("A=1", "B=2"), 3)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("an environment block of 2 entries, not 3");
        assertThatThrownBy(() -> JdkEnvironment.ofBlock(block("A=1"), -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @SuppressWarnings("restricted") // reading the array envp points at
    void envpPointsAtEachEntryInOrderAndEndsWithNull() {
        JdkEnvironment env = JdkEnvironment.ofBlock("A=1\0BB=22".getBytes(PlatformStrings.CHARSET), 2); // no NUL after the last
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment envp = env.envp(arena).reinterpret(3 * Long.BYTES);
            assertThat(string(envp.getAtIndex(ValueLayout.JAVA_LONG, 0))).isEqualTo("A=1");
            assertThat(string(envp.getAtIndex(ValueLayout.JAVA_LONG, 1))).isEqualTo("BB=22");
            assertThat(envp.getAtIndex(ValueLayout.JAVA_LONG, 2)).isZero();
        }
    }

    @SuppressWarnings("restricted") // a C string laid out by the test's own arena
    private static String string(long address) {
        return MemorySegment.ofAddress(address).reinterpret(64).getString(0);
    }
}
