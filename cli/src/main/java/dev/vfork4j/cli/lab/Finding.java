package dev.vfork4j.cli.lab;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One experiment's result: the claim it tested (quoted from its published source), what it measured
 * and the verdict, with the reasoning behind the verdict in {@code why}.
 *
 * @param measured the values found, in the order they were measured: numbers, strings, booleans,
 *                 and maps or lists of them
 */
public record Finding(Claim claim, Map<String, Object> measured, Verdict verdict, String why) {
    public Finding {
        Objects.requireNonNull(claim, "claim");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(why, "why");
        measured = Collections.unmodifiableMap(new LinkedHashMap<>(measured));
    }

    public String id() {
        return claim.id();
    }

    /** A claim that could not be measured, and why. */
    static Finding notTestable(Claim claim, String why) {
        return new Finding(claim, Map.of(), Verdict.NOT_TESTABLE, why);
    }
}
