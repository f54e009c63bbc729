package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Preload}'s list is a hint that nothing checks at run time (a name that does not
 * resolve is skipped there): this checks that every name still names a class, so that a
 * renamed class does not silently fall out of the first spawn's preloading.
 */
class PreloadTest {

    @Test
    void everyNameResolvesWithoutInitialisingAnything() {
        List<String> missing = new ArrayList<>();
        for (String name : Preload.CLASSES) {
            try {
                Class.forName(name, false, name.startsWith("java.") ? null : Preload.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                missing.add(name);
            }
        }
        assertThat(missing).as("names in Preload.CLASSES that name no class").isEmpty();
        assertThat(Preload.CLASSES).as("no class twice").doesNotHaveDuplicates();
    }

    @Test
    void theFirstNativeStartLoadsTheListOnAThreadOfItsOwnAndAJdkStartDoesNot() throws Exception {
        Output out = ChildJvm.command(List.of("--enable-native-access=ALL-UNNAMED"), PreloadProbe.class).output();
        assertThat(out.status().success()).as(out.stderrText()).isTrue();
        assertThat(out.stdoutText()).as("a JDK-mechanism start loads nothing for a native spawn")
            .contains("afterJdk=0 by null, child 0\n")
            .contains("afterVfork=" + Preload.CLASSES.length + "/" + Preload.CLASSES.length
                + " by vfork4j-preload, child 0\n");
    }
}
