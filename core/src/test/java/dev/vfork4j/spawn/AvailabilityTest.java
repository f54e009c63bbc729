package dev.vfork4j.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AvailabilityTest {

    @Test
    void everyKernelFeatureIsFoundOnAModernKernel() {
        Map<String, String> features = Availability.kernelFeatures();
        assertThat(features).containsOnlyKeys("pidfd_open", "pidfd_send_signal", "clone3", "close_range", "CLONE_CLEAR_SIGHAND");
        if (Availability.kernelAtLeast(5, 9)) {
            // Every probe must find its feature here; a probe that passes garbage arguments would not.
            assertThat(features).allSatisfy((name, problem) -> assertThat(problem).as(name).isNull());
        }
    }

    @Test
    void kernelReleaseIsUnameR() {
        assertThat(Availability.kernelRelease()).matches("\\d+\\.\\d+.*");
    }
}
