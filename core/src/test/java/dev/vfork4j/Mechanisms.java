package dev.vfork4j;

import java.util.Arrays;
import java.util.stream.Stream;

/** The mechanisms available here, for parameterized tests: every Process behaviour is checked on each. */
final class Mechanisms {
    private Mechanisms() {}

    static Stream<Mechanism> available() {
        return Arrays.stream(Mechanism.values()).filter(Mechanism::isAvailable);
    }

    /** The mechanisms vfork4j implements itself (not the JDK's). */
    static Stream<Mechanism> nativeOnes() {
        return available().filter(m -> m != Mechanism.JDK);
    }
}
