package dev.vfork4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar on the module path, as an application module uses it (as Netty's
 * testsuite-jpms does): the smoke module (src/it/modulepath) is compiled against the jar and run
 * in a JVM of its own with {@code --module-path}, once with {@code
 * --enable-native-access=dev.vfork4j} and once refused native access. Every other test runs on
 * the class path, where the module's boundary does not exist. Run by the {@code module-path}
 * execution in integration-test, after package; {@code vfork4j.jar} names the jar.
 */
class ModulePathIT {

    private static final Path SOURCES = Path.of("src/it/modulepath");
    private static final String MAIN = "dev.vfork4j.smoke/dev.vfork4j.smoke.Smoke";

    @TempDir
    static Path work;
    private static Path jar;
    private static Path smoke;

    @BeforeAll
    static void compileTheSmokeModuleAgainstTheJar() throws IOException {
        String property = System.getProperty("vfork4j.jar");
        // -Dtest=ModulePathIT runs it in the test phase too, before there is a jar
        assumeTrue(property != null, "run by the module-path execution, which names the jar: ./mvnw -pl core verify");
        jar = Path.of(property);
        assertThat(jar).as("the packaged jar").isRegularFile();
        smoke = work.resolve("smoke");
        List<String> sources;
        try (Stream<Path> files = Files.walk(SOURCES)) {
            sources = files.filter(f -> f.toString().endsWith(".java")).map(Path::toString).sorted().toList();
        }
        String log = javac(List.of("--module-path", jar.toString(), "-Xlint:all", "-Werror",
            "--module-source-path", SOURCES.toString(), "-d", smoke.toString()), sources);
        assertThat(log).as("javac of the smoke module").isEmpty();
    }

    @Test
    void everyMechanismWorksFromAnApplicationModule() throws Exception {
        Map<String, String> facts = run(List.of("--enable-native-access=dev.vfork4j"));
        assertThat(facts).containsEntry("module", "dev.vfork4j").containsEntry("nativeAccessEnabled", "true")
            .containsEntry("done", "true");
        for (Mechanism m : Mechanism.values()) {
            // this class-path JVM has native access too: what is available here is available there
            assertThat(facts).as(m.name()).containsEntry(m + ".available", String.valueOf(m.isAvailable()));
            if (m.isAvailable()) {
                assertThat(facts).containsEntry(m + ".output", "hello 0").containsEntry(m + ".run", "3")
                    .containsEntry(m + ".start", "ABC 0 " + m);
            }
        }
        assertThat(Mechanism.VFORK.isAvailable()).as("VFORK on this machine: " + Mechanism.VFORK.unavailableReason())
            .isTrue();
        assertThat(facts).containsEntry("best", Mechanism.best().name());
    }

    @Test
    void theInternalPackagesAreClosedToTheApplication() throws Exception {
        Map<String, String> facts = run(List.of("--enable-native-access=dev.vfork4j"));
        assertThat(facts).containsEntry("exported.dev.vfork4j", "true").containsEntry("open.dev.vfork4j", "false");
        for (String pkg : List.of("dev.vfork4j.linux", "dev.vfork4j.loop", "dev.vfork4j.spawn", "dev.vfork4j.spawn.asm")) {
            assertThat(facts).containsEntry("exported." + pkg, "false").containsEntry("open." + pkg, "false");
        }
        assertThat(facts).containsEntry("LibC.module", "dev.vfork4j")
            .containsEntry("LibC.invoke", "IllegalAccessException")
            .containsEntry("LibC.setAccessible", "InaccessibleObjectException")
            .containsEntry("LibC.lookup", "IllegalAccessException");
    }

    @Test
    void refusedNativeAccessLeavesTheJdkMechanismAndNamesTheModulesFlag() throws Exception {
        Map<String, String> facts = run(List.of("--illegal-native-access=deny"));
        assertThat(facts).containsEntry("nativeAccessEnabled", "false").containsEntry("best", "JDK")
            .containsEntry("VFORK.available", "false").containsEntry("JDK.output", "hello 0")
            .containsEntry("JDK.start", "ABC 0 JDK").containsEntry("done", "true");
        assertThat(facts.get("VFORK.reason")).contains("--enable-native-access=dev.vfork4j");
    }

    @Test
    void codeOutsideTheModuleCannotCompileAgainstItsInternals() throws IOException {
        Path src = Files.createDirectories(work.resolve("trespass/src/trespass"));
        Files.writeString(src.resolve("module-info.java"), "module trespass { requires dev.vfork4j; }\n", UTF_8);
        Path cls = Files.createDirectories(src.resolve("trespass"));
        Files.writeString(cls.resolve("Trespass.java"), """
            package trespass;
            class Trespass {
                String version() { return dev.vfork4j.linux.LibC.gnu_get_libc_version(); }
            }
            """, UTF_8);
        String log = javac(List.of("--module-path", jar.toString(), "-d", work.resolve("trespass/out").toString()),
            List.of(src.resolve("module-info.java").toString(), cls.resolve("Trespass.java").toString()));
        // "which does not export it", or "… to module trespass" once it is exported to a named module alone
        assertThat(log).contains("package dev.vfork4j.linux is not visible")
            .contains("(package dev.vfork4j.linux is declared in module dev.vfork4j, which does not export it");
    }

    /** javac's messages; empty when it compiled without a word. */
    private static String javac(List<String> options, List<String> sources) throws IOException {
        // An empty class path: javac in this JVM would otherwise take this test run's, where
        // vfork4j's classes are in the unnamed module, every package visible.
        List<String> args = new ArrayList<>(List.of("--class-path", Files.createDirectories(work.resolve("empty")).toString()));
        args.addAll(options);
        args.addAll(sources);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, log, log, args.toArray(String[]::new));
        String text = log.toString(UTF_8);
        return rc == 0 || !text.isEmpty() ? text : "javac exited " + rc;
    }

    /** The smoke module's facts, from a JVM with the jar and the module on its module path. */
    private static Map<String, String> run(List<String> jvmOptions) throws Exception {
        List<String> argv = new ArrayList<>(List.of(ChildJvm.java(), "-Xmx64m", "-XX:TieredStopAtLevel=1"));
        argv.addAll(jvmOptions);
        argv.addAll(List.of("--module-path", jar + File.pathSeparator + smoke, "-m", MAIN));
        Path out = work.resolve("stdout-" + System.nanoTime());
        Path err = work.resolve("stderr-" + System.nanoTime());
        ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().keySet().removeAll(ChildJvm.OPTION_VARIABLES); // a fresh JVM, as ChildJvm's
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the smoke module did not finish in 60 s: " + argv);
        }
        String stdout = Files.readString(out, UTF_8);
        String stderr = Files.readString(err, UTF_8);
        assertThat(p.exitValue()).as("exit of %s%nstdout:%n%s%nstderr:%n%s", argv, stdout, stderr).isZero();
        assertThat(stderr).as("stderr of " + argv).isEmpty();
        Map<String, String> facts = new LinkedHashMap<>();
        stdout.lines().filter(l -> l.contains("=")).forEach(l -> facts.put(l.substring(0, l.indexOf('=')),
            l.substring(l.indexOf('=') + 1)));
        return facts;
    }
}
