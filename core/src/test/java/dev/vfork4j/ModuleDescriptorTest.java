package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModuleDescriptorTest {

    @Test
    void exportsOnlyThePublicApiAndRequiresNothingButTheJdkBase() throws Exception {
        Path info = Path.of("target/classes/module-info.class");
        ModuleDescriptor d;
        try (InputStream in = Files.newInputStream(info)) {
            d = ModuleDescriptor.read(in);
        }
        assertThat(d.name()).isEqualTo("dev.vfork4j");
        assertThat(d.exports()).extracting(ModuleDescriptor.Exports::source).containsExactly("dev.vfork4j");
        assertThat(d.requires()).extracting(ModuleDescriptor.Requires::name).containsExactly("java.base");
    }
}
