package dev.vfork4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.Mechanism;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoctorCommandTest {

    @Test
    void textNamesEveryMechanismWithItsAvailability() {
        Invocation r = Invocation.execute("doctor");
        assertThat(r.code()).isZero();
        assertThat(r.err()).isEmpty();
        for (Mechanism m : Mechanism.values()) {
            String expected = m.unavailableReason().map(why -> "unavailable: " + why).orElse("available");
            assertThat(r.out()).containsPattern("(?m)^  " + m + " +" + java.util.regex.Pattern.quote(expected) + "$");
        }
        assertThat(r.out()).containsPattern("(?m)^  POSIX_SPAWN +available$");
    }

    @Test
    void textReportsThePlatformAndTheBestMechanism() {
        String out = Invocation.execute("doctor").out();
        assertThat(out).containsPattern("(?m)^kernel +\\d+\\.\\d+")
            .containsPattern("(?m)^glibc +2\\.\\d+$")
            .containsPattern("(?m)^architecture +" + System.getProperty("os.arch"))
            .containsPattern("(?m)^java +" + java.util.regex.Pattern.quote(Runtime.version().toString()))
            // Surefire starts the test JVM with --enable-native-access=ALL-UNNAMED.
            .containsPattern("(?m)^native access +enabled$")
            .containsPattern("(?m)^best +" + Mechanism.best() + ": ")
            .containsPattern("(?m)^agent +would engage: java.lang.ProcessImpl.start is the method it rewrites")
            .contains("kernel features")
            .containsPattern("(?m)^  pidfd_open +(yes|no: .+)$")
            .contains("cgroup v2")
            .containsPattern("(?m)^  contained\\(\\) +(yes|no): .+$");
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonParsesAndHasEveryFinding() {
        Invocation r = Invocation.execute("doctor", "--json");
        assertThat(r.code()).isZero();
        Map<String, Object> root = (Map<String, Object>) JsonReader.parse(r.out());
        assertThat(root).containsKeys("vfork4j", "library", "kernel", "glibc", "architecture", "java",
            "nativeAccess", "mechanisms", "best", "kernelFeatures", "cgroup", "agent");
        assertThat((Map<String, Object>) root.get("cgroup"))
            .containsKeys("mount", "jvmCgroup", "directory", "writable", "controllers", "delegated", "contained");
        assertThat((Map<String, Object>) root.get("agent")).containsEntry("wouldEngage", true).containsEntry("reason", null);
        assertThat((String) root.get("glibc")).matches("2\\.\\d+");
        assertThat((Map<String, Object>) root.get("nativeAccess"))
            .containsEntry("enabled", true).containsEntry("available", true).containsEntry("problem", null)
            .containsEntry("flag", "--enable-native-access=ALL-UNNAMED");

        Map<String, Object> mechanisms = (Map<String, Object>) root.get("mechanisms");
        assertThat(mechanisms).containsOnlyKeys("VFORK", "POSIX_SPAWN", "FORK", "JDK");
        for (Mechanism m : Mechanism.values()) {
            assertThat((Map<String, Object>) mechanisms.get(m.name()))
                .containsEntry("available", m.isAvailable())
                .containsEntry("reason", m.unavailableReason().orElse(null));
        }
        assertThat((Map<String, Object>) root.get("best"))
            .containsEntry("mechanism", Mechanism.best().name())
            .containsKeys("reason", "order");
        Map<String, Object> features = (Map<String, Object>) root.get("kernelFeatures");
        assertThat(features).containsKeys("pidfd_open", "pidfd_send_signal", "clone3", "close_range");
        assertThat((Map<String, Object>) features.get("pidfd_open")).containsKeys("available", "reason");
    }

    @Test
    void bestIsExplainedByWhatWasSkipped() {
        Map<Mechanism, String> mechanisms = new EnumMap<>(Mechanism.class);
        mechanisms.put(Mechanism.VFORK, "no clone3");
        mechanisms.put(Mechanism.POSIX_SPAWN, "glibc too old");
        mechanisms.put(Mechanism.FORK, null);
        mechanisms.put(Mechanism.JDK, null);
        assertThat(Diagnosis.explainBest(Mechanism.JDK, mechanisms))
            .isEqualTo("VFORK and POSIX_SPAWN are not available, and JDK is the next in the order VFORK, POSIX_SPAWN, JDK");

        mechanisms.put(Mechanism.POSIX_SPAWN, null);
        assertThat(Diagnosis.explainBest(Mechanism.POSIX_SPAWN, mechanisms))
            .isEqualTo("VFORK is not available, and POSIX_SPAWN is the next in the order VFORK, POSIX_SPAWN, JDK");

        mechanisms.put(Mechanism.VFORK, null);
        assertThat(Diagnosis.explainBest(Mechanism.VFORK, mechanisms))
            .isEqualTo("the first choice in the order VFORK, POSIX_SPAWN, JDK, and available");
    }

    @Test
    void aBestThatTheKnownOrderDoesNotExplainIsSaidSo() {
        // If the library's order changes, doctor must not invent a reason.
        Map<Mechanism, String> mechanisms = new EnumMap<>(Mechanism.class);
        for (Mechanism m : Mechanism.values()) {
            mechanisms.put(m, null);
        }
        assertThat(Diagnosis.explainBest(Mechanism.JDK, mechanisms)).contains("do not explain");
        assertThat(Diagnosis.explainBest(Mechanism.FORK, mechanisms)).contains("do not explain");
    }

    @Test
    void withoutNativeAccessDoctorStillReportsAndNamesTheFlag(@TempDir Path dir) throws Exception {
        // The JVM a user starts without the flag, once the JDK denies rather than warns.
        CliJvm r = CliJvm.run(dir, List.of("--illegal-native-access=deny"), "", "doctor");
        assertThat(r.code()).isZero();
        assertThat(r.out())
            .containsPattern("(?m)^native access +unavailable: .*--enable-native-access=ALL-UNNAMED")
            .containsPattern("(?m)^glibc +unknown")
            .containsPattern("(?m)^  POSIX_SPAWN +unavailable: no native access \\(see above\\)$")
            .containsPattern("(?m)^  JDK +available$")
            .containsPattern("(?m)^best +JDK: VFORK and POSIX_SPAWN are not available")
            .containsPattern("(?m)^agent +would decline: no native access in this JVM: ");
    }
}
