package dev.vfork4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Errno's Java table: glibc's names and texts, with or without native access. */
class ErrnoTest {

    @Test
    void tableIsGlibcsWordForWord() {
        assumeTrue(NativeAccess.available(), "needs native access to ask glibc");
        for (int errno = 1; errno <= Errno.MAX + 5; errno++) {
            MemorySegment name = LibC.strerrorname_np(errno);
            MemorySegment description = LibC.strerrordesc_np(errno);
            assertThat(Errno.name(errno)).as("name of %d", errno)
                .isEqualTo(name.equals(MemorySegment.NULL) ? "E?" + errno : LibC.string(name));
            assertThat(Errno.description(errno)).as("description of %d", errno)
                .isEqualTo(description.equals(MemorySegment.NULL) ? "Unknown error " + errno : LibC.string(description));
        }
    }

    @Test
    void commonValuesAreKnownWithoutAskingLibc() {
        // What the issue names: 1-40 and the errnos a spawn reports; spot-checked against the man pages.
        assertThat(Errno.name(1)).isEqualTo("EPERM");
        assertThat(Errno.description(2)).isEqualTo("No such file or directory");
        assertThat(Errno.name(7)).isEqualTo("E2BIG");
        assertThat(Errno.description(8)).isEqualTo("Exec format error");
        assertThat(Errno.description(11)).isEqualTo("Resource temporarily unavailable");
        assertThat(Errno.description(12)).isEqualTo("Cannot allocate memory");
        assertThat(Errno.description(13)).isEqualTo("Permission denied");
        assertThat(Errno.name(21)).isEqualTo("EISDIR");
        assertThat(Errno.description(23)).isEqualTo("Too many open files in system");
        assertThat(Errno.description(24)).isEqualTo("Too many open files");
        assertThat(Errno.name(26)).isEqualTo("ETXTBSY");
        assertThat(Errno.name(34)).isEqualTo("ERANGE");
        assertThat(Errno.description(36)).isEqualTo("File name too long");
        assertThat(Errno.description(38)).isEqualTo("Function not implemented");
        assertThat(Errno.description(40)).isEqualTo("Too many levels of symbolic links");
        for (int errno = 1; errno <= 40; errno++) {
            assertThat(Errno.name(errno)).as("name of %d", errno).matches("E[A-Z0-9]+");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 41, 58, 134, 4000})
    void undefinedValuesSayWhatTheyAre(int errno) {
        assertThat(Errno.name(errno)).isEqualTo("E?" + errno);
        assertThat(Errno.description(errno)).isEqualTo("Unknown error " + errno);
    }

    @Test
    void descriptionsMapBackToTheirErrno() {
        for (int errno = 1; errno <= Errno.MAX; errno++) {
            if (!Errno.name(errno).startsWith("E?")) {
                assertThat(Errno.fromDescription(Errno.description(errno))).as("errno %d", errno).isEqualTo(errno);
            }
        }
        assertThat(Errno.fromDescription("No such file or directory")).isEqualTo(2);
        assertThat(Errno.fromDescription("Invalid file path")).isEqualTo(-1);
    }
}
