package dev.vfork4j.cli.lab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PluralTest {

    @Test
    void oneTakesTheSingularEveryOtherCountThePlural() {
        assertThat(Plural.count(1, "claim")).isEqualTo("1 claim");
        assertThat(Plural.count(15, "claim")).isEqualTo("15 claims");
        assertThat(Plural.count(0, "worker JVM")).isEqualTo("0 worker JVMs");
        assertThat(Plural.count(1, "worker JVM")).isEqualTo("1 worker JVM");
        assertThat(Plural.count(1, "copy", "copies")).isEqualTo("1 copy");
        assertThat(Plural.count(2, "copy", "copies")).isEqualTo("2 copies");
        assertThat(Plural.count(-1, "copy", "copies")).isEqualTo("-1 copies");
    }
}
