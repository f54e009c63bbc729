package dev.vfork4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The charset vfork4j encodes with is the JDK's own choice, and C strings come out NUL-terminated. */
class PlatformStringsTest {

    @Test
    void theCharsetIsSunJnuEncodingAsTheJdkReadsIt() {
        assertThat(PlatformStrings.CHARSET).isEqualTo(java.nio.charset.Charset.forName(System.getProperty("sun.jnu.encoding")));
    }

    @Test
    void anUnsupportedOrIllegalNameFallsBackToUtf8AsTheJdkDoes() {
        assertThat(PlatformStrings.charset("x-no-such-charset")).isEqualTo(StandardCharsets.UTF_8);
        assertThat(PlatformStrings.charset("not a name!")).isEqualTo(StandardCharsets.UTF_8);
        assertThat(PlatformStrings.charset(null)).isEqualTo(StandardCharsets.UTF_8);
        assertThat(PlatformStrings.charset("ANSI_X3.4-1968")).isEqualTo(StandardCharsets.US_ASCII); // LANG=C
        assertThat(PlatformStrings.charset("ISO-8859-1")).isEqualTo(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aCStringIsTheEncodedBytesAndOneNul() {
        try (Arena arena = Arena.ofConfined()) {
            String s = "a\u00e9\u20ac";
            byte[] expected = s.getBytes(PlatformStrings.CHARSET);
            MemorySegment c = PlatformStrings.cString(arena, s);
            assertThat(c.byteSize()).isEqualTo(expected.length + 1L);
            assertThat(c.asSlice(0, expected.length).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expected);
            assertThat(c.get(ValueLayout.JAVA_BYTE, expected.length)).isZero();
        }
    }
}
