package dev.vfork4j.cli.lab;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a probe JVM tells the lab: one line per value, {@code lab: key=value}, so the lab can
 * pick them out of whatever else the JVM prints (warnings, a crash report). Each line is
 * written and flushed at once, so the values measured before a crash still reach the lab.
 */
final class ProbeReport {
    static final String PREFIX = "lab: ";

    private final PrintStream out;

    ProbeReport(PrintStream out) {
        this.out = out;
    }

    void put(String key, Object value) {
        out.println(PREFIX + key + "=" + value);
        out.flush();
    }

    void flush() {
        out.flush();
    }

    /** The values in {@code text}, by key, in order; a later value for a key replaces an earlier one. */
    static Map<String, String> parse(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith(PREFIX)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    values.put(line.substring(PREFIX.length(), eq), line.substring(eq + 1));
                }
            }
        }
        return values;
    }
}
