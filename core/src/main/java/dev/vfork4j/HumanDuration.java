package dev.vfork4j;

import java.time.Duration;

/**
 * A Duration as a person writes it in a message: {@code 3 s}, {@code 1.5 s}, {@code 250 ms},
 * {@code 2 min}, {@code 1 h 30 min} (rather than ISO-8601's {@code PT3S}). Exact: no rounding,
 * so the value the caller gave is the value the message shows.
 */
final class HumanDuration {
    private HumanDuration() {}

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    static String format(Duration d) {
        if (d.isNegative()) {
            // Duration.MIN cannot be negated; it is never a timeout, but a message must not throw.
            return d.equals(Duration.ofSeconds(Long.MIN_VALUE)) ? d.toString() : "-" + format(d.negated());
        }
        long seconds = d.getSeconds();
        int nanos = d.getNano();
        if (seconds == 0) {
            if (nanos == 0) {
                return "0 s";
            }
            if (nanos >= 1_000_000) {
                return decimal(nanos / 1_000_000, nanos % 1_000_000, 6) + " ms";
            }
            if (nanos >= 1_000) {
                return decimal(nanos / 1_000, nanos % 1_000, 3) + " µs";
            }
            return nanos + " ns";
        }
        if (seconds < 60) {
            return decimal(seconds, nanos, 9) + " s";
        }
        long days = seconds / 86_400;
        long hours = seconds % 86_400 / 3_600;
        long minutes = seconds % 3_600 / 60;
        long secs = seconds % 60;
        StringBuilder sb = new StringBuilder();
        append(sb, days, "d");
        append(sb, hours, "h");
        append(sb, minutes, "min");
        if (secs != 0 || nanos != 0) {
            sb.append(sb.isEmpty() ? "" : " ").append(decimal(secs, nanos, 9)).append(" s");
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, long value, String unit) {
        if (value != 0) {
            sb.append(sb.isEmpty() ? "" : " ").append(value).append(' ').append(unit);
        }
    }

    /** {@code whole.fraction}, the fraction having {@code digits} digits before trailing zeros are dropped. */
    private static String decimal(long whole, long fraction, int digits) {
        if (fraction == 0) {
            return Long.toString(whole);
        }
        String f = String.format("%0" + digits + "d", fraction).replaceFirst("0+$", "");
        return whole + "." + f;
    }
}
