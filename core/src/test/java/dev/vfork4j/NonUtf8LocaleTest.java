package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * In a JVM started in an ISO-8859-1 locale, {@code sun.jnu.encoding} is ISO-8859-1 and the JDK
 * encodes arguments, the directory and redirect file names with it: "é" is the one byte e9, not
 * UTF-8's c3 a9, and a character it cannot hold ("€") is '?'. vfork4j must hand the kernel the
 * same bytes, or the child gets other arguments, an existing directory is not found, and a
 * redirect writes another file.
 *
 * <p>The locale is made with {@code localedef} when it is missing (.ci/run does the same); the
 * test is skipped only when it cannot be made here.
 */
@Timeout(120)
class NonUtf8LocaleTest {
    static final String LOCALE = "en_US.ISO-8859-1";

    @BeforeAll
    static void latin1LocaleExists() throws Exception {
        if (!localeInstalled()) {
            try {
                new ProcessBuilder("localedef", "-i", "en_US", "-f", "ISO-8859-1", LOCALE)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            } catch (java.io.IOException noLocaledef) {
                // assumed below
            }
        }
        assumeTrue(localeInstalled(), "locale " + LOCALE + " is not installed and could not be made: run `localedef -i en_US -f "
            + "ISO-8859-1 " + LOCALE + "` as root (Debian: apt-get install locales)");
    }

    static boolean localeInstalled() throws Exception {
        Process p = new ProcessBuilder("locale", "-a").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String all = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        p.waitFor();
        return all.lines().anyMatch(l -> l.equalsIgnoreCase("en_US.iso88591") || l.equalsIgnoreCase(LOCALE));
    }

    static String hex(String s, java.nio.charset.Charset cs) {
        return HexFormat.of().formatHex(s.getBytes(cs));
    }

    @Test
    void argumentsDirectoryAndRedirectAreEncodedAsTheJdkEncodesThem(@TempDir Path base) throws Exception {
        List<String> jvm = ChildJvm.argv(List.of("--enable-native-access=ALL-UNNAMED"), EncodingProbe.class,
            base.toString());
        Output out = ChildJvm.fresh(Command.of(jvm)).env("LC_ALL", LOCALE).env("LANG", LOCALE).output();
        assertThat(out.status().success()).as(out.stderrText()).isTrue();
        Map<String, String> lines = new LinkedHashMap<>();
        out.stdoutText().lines().forEach(l -> lines.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        assertThat(lines.remove("sun.jnu.encoding")).as("the JVM runs in the Latin-1 locale").isEqualTo("ISO-8859-1");

        String jdk = lines.remove("ProcessBuilder");
        String e = hex(EncodingProbe.NAME, StandardCharsets.ISO_8859_1); // "été" in ISO-8859-1: e9 74 e9
        assertThat(jdk).as("ProcessBuilder encodes in ISO-8859-1").isEqualTo(
            "argv " + hex("sh\0-c\0cat /proc/$$/cmdline\0sh\0arg-", StandardCharsets.US_ASCII) + e + hex("?", StandardCharsets.US_ASCII) + "00"
                + " redirect " + hex("redirected\n", StandardCharsets.US_ASCII)
                + " directory " + hex("dir-", StandardCharsets.US_ASCII) + e + "0a"
                + " names " + hex("cwd", StandardCharsets.US_ASCII) + "," + hex("dir-", StandardCharsets.US_ASCII) + e
                + "," + hex("out-", StandardCharsets.US_ASCII) + e);
        assertThat(lines.keySet()).containsAll(Mechanisms.available().map(Mechanism::name).toList());
        assertThat(lines).allSatisfy((mechanism, result) -> assertThat(result).as(mechanism).isEqualTo(jdk));
    }
}
