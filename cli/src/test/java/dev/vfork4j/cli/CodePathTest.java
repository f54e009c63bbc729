package dev.vfork4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A JVM the CLI starts finds the CLI's code where this one found it. (ModulePathIT runs it for real.) */
class CodePathTest {

    @Test
    void onTheClassPathAJvmGetsTheClassPathAndNativeAccessForTheUnnamedModule() {
        // These tests run on the class path.
        CodePath code = CodePath.current();
        assertThat(code.modules()).isFalse();
        assertThat(code.path()).isEqualTo(System.getProperty("java.class.path"));
        assertThat(code.nativeAccess()).isEqualTo("--enable-native-access=ALL-UNNAMED");
        assertThat(code.main(Main.class)).containsExactly("-cp", code.path(), "dev.vfork4j.cli.Main");
    }

    @Test
    void onTheModulePathAJvmGetsTheModulePathTheCliModuleAndNativeAccessForEachModuleThatNeedsIt() {
        CodePath code = new CodePath(true, "/opt/vfork4j/modules");
        assertThat(code.nativeAccess()).isEqualTo("--enable-native-access=dev.vfork4j,dev.vfork4j.cli,org.jline.nativ");
        assertThat(code.main(Main.class))
            .containsExactly("--module-path", "/opt/vfork4j/modules", "-m", "dev.vfork4j.cli/dev.vfork4j.cli.Main");
    }
}
