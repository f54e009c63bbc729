package dev.vfork4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI on the module path, as the launcher runs it: the jars {@code package} put in
 * target/modules, {@code java --module-path target/modules -m dev.vfork4j.cli/dev.vfork4j.cli.Main}.
 * The library's internals reach the CLI only through the exports the library makes to it alone
 * (module-info.java of each), so a package the CLI uses and the library does not export to it
 * fails here, at run time, where the class path (the other tests, {@code java -jar}) lets
 * everything through. Runs in the integration-test phase, after the jars exist.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ModulePathIT {

    private static final Path MODULES = Path.of(System.getProperty("vfork4j.cliModules", "target/modules"))
        .toAbsolutePath();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    Path dir;

    @Test
    void theModulesAreTheCliTheLibraryAndTheDependenciesEachNamed() {
        Map<String, String> modules = ModuleFinder.of(MODULES).findAll().stream()
            .collect(Collectors.toMap(m -> m.descriptor().name(), m -> Path.of(m.location().orElseThrow()).getFileName().toString()));
        assertThat(modules).containsOnlyKeys("dev.vfork4j.cli", "dev.vfork4j", "info.picocli", "me.tongfei.progressbar",
            "org.jline.terminal", "org.jline.nativ", "org.knowm.xchart", "dev.vfork4j.ballast");
        ModuleReference cli = ModuleFinder.of(MODULES).find("dev.vfork4j.cli").orElseThrow();
        assertThat(cli.descriptor().isAutomatic()).as("the CLI jar holds its module-info.class").isFalse();
    }

    @Test
    void doctorRunsOnTheModulePath() throws Exception {
        Result r = cli("doctor");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("(?m)^vfork4j +\\S+ \\(library \\S+\\)$")
            .doesNotContain("library unknown")
            .contains("native access          enabled")
            .containsPattern("(?m)^  VFORK +available$")
            .containsPattern("(?m)^best +VFORK: ")
            .containsPattern("(?m)^  clone3 +yes$");
        assertThat(r.err()).as("no warning: native access granted to each module that needs it").isEmpty();
    }

    @Test
    void theLabsPlansRunInThisJvmAndInProbeJvmsOnTheModulePath() throws Exception {
        // memory-sharing: a LabPlan with a STORE step, in the CLI's JVM; exit-vs-_exit: LabPlans
        // with CALL steps in four probe JVMs, started on the same module path.
        Result r = cli("lab", "--quick", "--json", "--only", "memory-sharing,exit-vs-_exit");
        assertThat(r.code()).as(r.err()).isZero();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> experiments = (List<Map<String, Object>>) ((Map<String, Object>) JsonReader.parse(r.out()))
            .get("experiments");
        assertThat(experiments).extracting(e -> e.get("id")).containsExactly("memory-sharing", "exit-vs-_exit");
        assertThat(experiments.get(0)).containsEntry("verdict", "confirmed")
            .containsEntry("measured", Map.of("vfork", 999L, "fork", 10L));
        assertThat(experiments.get(1)).as("%s", experiments.get(1)).containsEntry("verdict", "confirmed");
    }

    @Test
    void runPassesTheProgramsOutputThrough() throws Exception {
        Result r = cli("run", "--", "echo", "hi");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("hi\n");
        assertThat(r.err()).isEmpty();
    }

    private record Result(int code, String out, String err) {}

    private Result cli(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(JAVA, "--enable-native-access=" + CodePath.NATIVE_MODULES,
            "--module-path", MODULES.toString(), "-m", "dev.vfork4j.cli/dev.vfork4j.cli.Main"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "stdout", "");
        Path err = Files.createTempFile(dir, "stderr", "");
        Process p = new ProcessBuilder(command).directory(dir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(out.toFile()).redirectError(err.toFile())
            .start();
        if (!p.waitFor(150, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within 150 s");
        }
        return new Result(p.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
    }
}
