package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModuleDescriptorTest {

    @Test
    void exportsOnlyThePublicApiToAllAndTheLabsInternalsToTheCliAloneAndRequiresNothingButTheJdkBase() throws Exception {
        Path info = Path.of("target/classes/module-info.class");
        ModuleDescriptor d;
        try (InputStream in = Files.newInputStream(info)) {
            d = ModuleDescriptor.read(in);
        }
        assertThat(d.name()).isEqualTo("dev.vfork4j");
        assertThat(d.exports()).filteredOn(e -> !e.isQualified()).extracting(ModuleDescriptor.Exports::source)
            .containsExactly("dev.vfork4j");
        // doctor's probes and the lab's plans and bindings, for vfork4j's own CLI and no other module.
        assertThat(d.exports()).filteredOn(ModuleDescriptor.Exports::isQualified)
            .extracting(ModuleDescriptor.Exports::source).containsExactlyInAnyOrder("dev.vfork4j.spawn", "dev.vfork4j.linux");
        assertThat(d.exports()).filteredOn(ModuleDescriptor.Exports::isQualified)
            .allSatisfy(e -> assertThat(e.targets()).containsExactly("dev.vfork4j.cli"));
        assertThat(d.opens()).isEmpty();
        assertThat(d.requires()).extracting(ModuleDescriptor.Requires::name).containsExactly("java.base");
    }
}
