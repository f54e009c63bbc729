package dev.vfork4j.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JVMs started with the packaged agent jar ({@code -javaagent:agent/target/vfork4j-agent-VERSION.jar}),
 * run after {@code package}: the agent engages, declines when told or when it may not make native
 * calls, and what {@link Probe} shows an application is the same with it and without it.
 */
class AgentIT {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final String AGENT = "-javaagent:" + System.getProperty("vfork4j.agentJar");
    private static final String CLASSES = System.getProperty("vfork4j.testClasses");
    private static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
    /** Every start through vfork4j, even one made before the warm-up is over: where a test counts them. */
    private static final String WAIT = "-Dvfork4j.agent.untilReady=wait";

    @TempDir
    Path tmp;

    private record Run(int exit, String stdout, String stderr, String stats) {}

    /** Runs Probe with {@code args} in a JVM with {@code jvmOptions}; stats: the agent's line, or "" without one. */
    private Run probe(List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        return probe(List.of(), jvmOptions, args);
    }

    /** As {@link #probe(List, String...)}, the JVM started by {@code launcher} (a command that execs its arguments). */
    private Run probe(List<String> launcher, List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        Path stats = tmp.resolve("stats-" + System.nanoTime());
        List<String> cmd = new ArrayList<>(launcher);
        cmd.add(JAVA);
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-Dvfork4j.agent.stats=" + stats, "-cp", CLASSES, Probe.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        String out = readAll(p.getInputStream());
        int exit = p.waitFor();
        return new Run(exit, out, err.join(), Files.exists(stats) ? Files.readString(stats) : "");
    }

    private static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void engagesWithNativeAccessAndNothingOnStderr() throws Exception {
        Run r = probe(List.of(AGENT, NATIVE, WAIT), "true");
        assertThat(r.stdout()).isEqualTo("exit 0\n");
        assertThat(r.stats()).matches("pid=\\d+ vfork4j=1 jdk=0\n");
        // No JDK warning about a restricted method (ALL-UNNAMED covers the agent's and the
        // library's classes) and none about class data sharing (nothing on the boot class path).
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void theJarNamedTwiceActsOnce() throws Exception {
        // As when MAVEN_OPTS and JDK_JAVA_OPTIONS both carry it: the JVM calls premain twice.
        Run r = probe(List.of(AGENT, AGENT, NATIVE, WAIT), "true");
        assertThat(r.stdout()).isEqualTo("exit 0\n");
        assertThat(r.stats()).as("one stats line, one count").matches("pid=\\d+ vfork4j=1 jdk=0\n");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void byDefaultAStartBeforeTheAgentIsReadyIsLeftToTheJdk() throws Exception {
        for (List<String> options : List.of(List.of(AGENT, NATIVE), List.of(AGENT, NATIVE, "-Dvfork4j.agent.untilReady=jdk"))) {
            Run r = probe(options, "true");
            assertThat(r.stdout()).isEqualTo("exit 0\n");
            // Main's start came after the rewrite (vfork4j), before it (the JDK's untouched code:
            // the hook never saw it), or, in between, found the warm-up unfinished; never waited.
            assertThat(r.stats()).matches("pid=\\d+ (vfork4j=1 jdk=0|vfork4j=0 jdk=0|vfork4j=0 jdk=1)\n");
            assertThat(r.stderr()).isEmpty();
        }
    }

    @Test
    void byDefaultAStartAfterTheWarmUpGoesThroughVfork4j() throws Exception {
        Run r = probe(List.of(AGENT, NATIVE), "true-later");
        assertThat(r.stdout()).isEqualTo("exit 0\n");
        assertThat(r.stats()).matches("pid=\\d+ vfork4j=1 jdk=0\n");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void theWarmUpStartsTheEventLoopOnlyWhenTheAgentEngages() throws Exception {
        // So that the application's first start through vfork4j does not start it (a thread,
        // epoll, a shutdown hook: some milliseconds of a fresh JVM's first start).
        Run engaged = probe(List.of(AGENT, NATIVE), "loop-before-first-start");
        assertThat(engaged.stdout()).isEqualTo("loop true\nexit 0\n");
        assertThat(engaged.stats()).matches("pid=\\d+ vfork4j=1 jdk=0\n");
        for (List<String> options : List.of(List.of(AGENT, NATIVE, "-Dvfork4j.agent=off"), List.of(AGENT))) {
            Run declined = probe(options, "loop-before-first-start");
            assertThat(declined.stdout()).as("%s", options).isEqualTo("loop false\nexit 0\n");
            assertThat(declined.stats()).matches("pid=\\d+ vfork4j=0 jdk=0\n");
        }
    }

    @Test
    void declinesWhenTurnedOff() throws Exception {
        Run r = probe(List.of(AGENT, NATIVE, "-Dvfork4j.agent=off"), "true");
        assertThat(r.stdout()).isEqualTo("exit 0\n");
        assertThat(r.stats()).matches("pid=\\d+ vfork4j=0 jdk=0\n");
        assertThat(r.stderr()).contains("INFO: vfork4j agent declines: -Dvfork4j.agent=off; ProcessBuilder starts children the JDK's way");
    }

    @Test
    void declinesWithoutNativeAccessBeforeAnyNativeCall() throws Exception {
        for (List<String> options : List.of(List.of(AGENT), List.of(AGENT, "--illegal-native-access=deny"))) {
            Run r = probe(options, "true");
            assertThat(r.stdout()).isEqualTo("exit 0\n");
            assertThat(r.stats()).matches("pid=\\d+ vfork4j=0 jdk=0\n");
            assertThat(r.stderr()).contains("WARNING: vfork4j agent declines: native access is not enabled for it"
                + " (start the JVM with --enable-native-access=ALL-UNNAMED); ProcessBuilder starts children the JDK's way");
            assertThat(r.stderr()).doesNotContain("restricted method");
        }
    }

    @Test
    void anApplicationSeesWhatItSeesWithoutTheAgent() throws Exception {
        Run jdk = probe(List.of(), "all", tmp.toString());
        for (String mechanism : List.of("VFORK", "POSIX_SPAWN")) {
            Run agent = probe(List.of(AGENT, NATIVE, WAIT, "-Dvfork4j.agent.mechanism=" + mechanism), "all", tmp.toString());
            assertThat(agent.stdout()).as(mechanism).isEqualTo(jdk.stdout());
            assertThat(agent.stderr()).as(mechanism).isEmpty();
            // every start but the five that fail went through vfork4j, pipeline stages included
            // (100 of them the many children whose handles are compared)
            assertThat(agent.stats()).as(mechanism).matches("pid=\\d+ vfork4j=122 jdk=0\n");
        }
        assertThat(jdk.stdout()).contains("missing program -> java.io.IOException: Cannot run program \"/no/such/program\": "
            + "Exec failed, error: 2 (No such file or directory) ");
        assertThat(jdk.stdout()).contains("pipeline of four stages -> A B C ");
    }

    @Test
    void theChildIgnoresWhatTheJvmIgnoresNowButSigpipeAsWithoutTheAgent() throws Exception {
        for (List<String> jdkMechanism : List.of(List.<String>of(), List.of("-Djdk.lang.Process.launchMechanism=FORK"))) {
            List<String> jdkOptions = new ArrayList<>(jdkMechanism);
            jdkOptions.add(NATIVE);
            Run jdk = probe(jdkOptions, "signals");
            assertThat(jdk.stdout()).as("%s", jdkMechanism).contains("SIGWINCH ignored -> SigIgn:");
            for (String mechanism : List.of("VFORK", "POSIX_SPAWN")) {
                List<String> agentOptions = new ArrayList<>(jdkOptions);
                agentOptions.addAll(List.of(AGENT, WAIT, "-Dvfork4j.agent.mechanism=" + mechanism));
                Run agent = probe(agentOptions, "signals");
                assertThat(agent.stdout()).as("%s %s", jdkMechanism, mechanism).isEqualTo(jdk.stdout());
                assertThat(agent.stats()).as("%s %s", jdkMechanism, mechanism).matches("pid=\\d+ vfork4j=4 jdk=0\n");
            }
        }
    }

    @Test
    void theChildGetsTheEnvironmentsBytesAndOrderAsWithoutTheAgent() throws Exception {
        // The JVMs start with VFORK4J_RAW's bytes undecodable in any charset the JVM may use
        // (0xff 0xfe are not UTF-8, and not ASCII), and VFORK4J_GONE, which Probe unsets natively.
        List<String> viaShell = List.of("sh", "-c", "VFORK4J_RAW=$(printf 'a\\377\\376b') VFORK4J_GONE=here exec \"$@\"", "sh");
        Run jdk = probe(viaShell, List.of(NATIVE), "environ");
        Run agent = probe(viaShell, List.of(AGENT, NATIVE, WAIT), "environ");
        assertThat(jdk.stdout()).contains("untouched environment -> native=set by setenv(3) gone=unset raw= 61 ff fe 62")
            .contains("touched environment -> native=unset gone=here raw= 61 ff fe 62")
            .contains("untouched, names in order -> ").contains("VFORK4J_NATIVE");
        assertThat(agent.stdout()).isEqualTo(jdk.stdout());
        assertThat(agent.stderr()).isEmpty();
        assertThat(agent.stats()).matches("pid=\\d+ vfork4j=4 jdk=0\n");
    }

    @Test
    void anEnvironmentMapThatIsNotProcessBuildersIsLeftToTheJdk() throws Exception {
        String open = "--add-opens=java.base/java.lang=ALL-UNNAMED";
        Run jdk = probe(List.of(open), "foreign-map");
        Run agent = probe(List.of(AGENT, NATIVE, WAIT, open), "foreign-map");
        assertThat(jdk.stdout()).isEqualTo("threw java.lang.ClassCastException\n");
        assertThat(agent.stdout()).isEqualTo(jdk.stdout());
        assertThat(agent.stats()).matches("pid=\\d+ vfork4j=0 jdk=1\n");
        assertThat(agent.stderr()).isEmpty();
    }

    @Test
    void aProcessImplLoadedBeforeTheAgentIsRetransformed() throws Exception {
        Path jar = tmp.resolve("spawning-agent.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", SpawningAgent.class.getName());
        String entry = SpawningAgent.class.getName().replace('.', '/') + ".class";
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            out.putNextEntry(new JarEntry(entry));
            out.write(Files.readAllBytes(Path.of(CLASSES, entry)));
        }
        Run r = probe(List.of("-javaagent:" + jar, AGENT, NATIVE, WAIT), "true");
        assertThat(r.stdout()).isEqualTo("other agent exit 0\nexit 0\n");
        assertThat(r.stats()).matches("pid=\\d+ vfork4j=1 jdk=0\n"); // the other agent's child came before the rewrite
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void theJdksLaunchMechanismIsStillCheckedButVfork4jStartsTheChild() throws Exception {
        Run fork = probe(List.of(AGENT, NATIVE, WAIT, "-Djdk.lang.Process.launchMechanism=FORK"), "true");
        assertThat(fork.stdout()).isEqualTo("exit 0\n");
        assertThat(fork.stats()).matches("pid=\\d+ vfork4j=1 jdk=0\n");
        // ProcessImpl's static initialiser runs before the rewritten method: an unknown value fails as without the agent.
        Run bogus = probe(List.of(AGENT, NATIVE, WAIT, "-Djdk.lang.Process.launchMechanism=BOGUS"), "true");
        assertThat(bogus.exit()).isNotZero();
        assertThat(bogus.stderr()).contains("java.lang.Error: BOGUS is not a supported process launch mechanism on this platform");
        assertThat(bogus.stats()).matches("pid=\\d+ vfork4j=0 jdk=0\n");
    }

    @Test
    void aStartMadeInsideTheHookIsLeftToTheJdk() throws Exception {
        Run r = probe(List.of(AGENT, NATIVE, WAIT), "reentrant");
        assertThat(r.stdout()).isEqualTo("inner exit 0\nouter exit 0\n");
        assertThat(r.stats()).matches("pid=\\d+ vfork4j=1 jdk=1\n");
    }
}
