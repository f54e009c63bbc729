package dev.vfork4j.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vfork4j.Child;
import dev.vfork4j.Command;
import dev.vfork4j.Mechanism;
import dev.vfork4j.Output;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 6, "security": a child gets only fds 0-2 and exactly the environment asked for; user() as
 * root leaves no way back to root; noNewPrivileges holds; the program exec'd is the one asked, with
 * no shell in between, and the library's classes hold no shell command. Detailed per-attribute
 * checks are in FdLeakTest and ChildAttributesTest; this class gives the report its rows.
 */
@Tag("reliability")
@Timeout(60)
class SecurityTest {

    static Stream<Mechanism> mechanisms() {
        return Arrays.stream(Mechanism.values()).filter(Mechanism::isAvailable);
    }

    static Stream<Mechanism> nativeMechanisms() {
        return mechanisms().filter(m -> m != Mechanism.JDK);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void byDefaultTheChildHasOnlyStdioAndTheEnvironmentAsked(Mechanism m) throws Exception {
        // `ls` opens /proc/self/fd itself as fd 3: anything above is inherited
        Output fds = Command.of("ls", "-1", "/proc/self/fd").mechanism(m).output();
        List<String> listed = fds.stdoutText().lines().toList();
        Output env = Command.of("env").mechanism(m).environment(Map.of("ONLY", "this")).output();
        Report.record("Security", "default fds of a child (`ls /proc/self/fd`, fd 3 being ls's own) and the environment "
                + "of `env` given environment({ONLY=this})", m.name(), Load.MODE, "1 spawn each",
            listed.equals(List.of("0", "1", "2", "3")) && env.stdoutText().equals("ONLY=this\n")
                ? "fds 0-2 only; environment exactly as asked" : "FAILED",
            "fds " + listed + "; env `" + env.stdoutText().strip() + "`");
        assertThat(listed).containsExactly("0", "1", "2", "3");
        assertThat(env.stdoutText()).isEqualTo("ONLY=this\n");
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void userDropsRootForGoodAndNoNewPrivilegesHolds(Mechanism m) throws Exception {
        assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root"), "needs root");
        Command base = Command.of("cat", "/proc/self/status").mechanism(m).user(65534, 65533, 65532).noNewPrivileges();
        Output status;
        try {
            status = base.output();
        } catch (UnsupportedOperationException e) {
            Report.record("Security", "user(65534, 65533, 65532) + noNewPrivileges() as root", m.name(), Load.MODE,
                "1 spawn", "refused at start(): " + e.getMessage(), "");
            return;
        }
        String s = status.stdoutText();
        String uid = field(s, "Uid");
        String gid = field(s, "Gid");
        String groups = field(s, "Groups");
        String capEff = field(s, "CapEff");
        String capPrm = field(s, "CapPrm");
        String nnp = field(s, "NoNewPrivs");
        Path python = Path.of("/usr/bin/python3");
        String regain = "python3 not installed: setuid(0) not tried";
        boolean regainRefused = true;
        if (Files.isExecutable(python)) {
            Output o = Command.of(python.toString(), "-c",
                    "import os\ntry:\n os.setuid(0); print('regained')\nexcept OSError as e:\n print('refused', e.errno)")
                .mechanism(m).user(65534, 65533, 65532).noNewPrivileges().output();
            regain = "setuid(0) in the child: " + o.stdoutText().strip() + o.stderrText().strip();
            regainRefused = o.stdoutText().startsWith("refused 1");
        }
        boolean pass = uid.equals("65534\t65534\t65534\t65534") && gid.equals("65533\t65533\t65533\t65533")
            && groups.equals("65532") && Long.parseLong(capEff, 16) == 0 && Long.parseLong(capPrm, 16) == 0
            && nnp.equals("1") && regainRefused;
        Report.record("Security", "user(65534, 65533, 65532) + noNewPrivileges() as root: /proc/self/status of the child, "
                + "then setuid(0) from inside it", m.name(), Load.MODE, "2 spawns",
            pass ? "uid, gid, groups all dropped; CapEff/CapPrm 0; NoNewPrivs 1; setuid(0) refused (EPERM)" : "FAILED",
            "Uid " + uid.replace('\t', ' ') + "; Gid " + gid.replace('\t', ' ') + "; Groups " + groups + "; CapEff "
                + capEff + "; NoNewPrivs " + nnp + "; " + regain);
        assertThat(uid).isEqualTo("65534\t65534\t65534\t65534");
        assertThat(gid).isEqualTo("65533\t65533\t65533\t65533");
        assertThat(groups).isEqualTo("65532");
        assertThat(Long.parseLong(capEff, 16)).isZero();
        assertThat(Long.parseLong(capPrm, 16)).isZero();
        assertThat(nnp).isEqualTo("1");
        assertThat(regainRefused).as(regain).isTrue();
    }

    private static String field(String status, String name) {
        return status.lines().filter(l -> l.startsWith(name + ":")).map(l -> l.substring(name.length() + 1).strip())
            .findFirst().orElse("");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void theProgramExecutedIsTheOneAskedWithNoShellBetween(Mechanism m) throws Exception {
        Child c = Command.of("sleep", "5").mechanism(m).start();
        try {
            long pid = c.pid();
            // wait for the exec (FORK may return before it)
            Path exe = Path.of("/proc/" + pid + "/exe");
            String target = "";
            String cmdline = "";
            for (int i = 0; i < 200; i++) {
                target = Files.readSymbolicLink(exe).toString();
                cmdline = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ').strip();
                // execve switches /proc/PID/exe before it lays out the new argv: wait for both
                if (target.endsWith("/sleep") && !cmdline.isEmpty()) {
                    break;
                }
                Thread.sleep(5);
            }
            long grandchildren = ProcessHandle.of(pid).map(h -> h.children().count()).orElse(0L);
            Report.record("Security", "the exec'd program is the one asked: /proc/PID/exe and cmdline of `sleep 5`",
                m.name(), Load.MODE, "1 spawn",
                target.endsWith("/sleep") && cmdline.equals("sleep 5") && grandchildren == 0
                    ? "exe is sleep, argv as given, no shell in between" : "FAILED",
                "exe " + target + "; cmdline `" + cmdline + "`; children of the child " + grandchildren);
            assertThat(target).endsWith("/sleep");
            assertThat(cmdline).isEqualTo("sleep 5");
            assertThat(grandchildren).isZero();
        } finally {
            c.destroyForcibly().waitFor();
        }
    }

    @Test
    void theLibraryHoldsNoShellCommand() throws Exception {
        Path classes = Path.of(System.getProperty("basedir", ".")).resolve("target/classes");
        assumeTrue(Files.isDirectory(classes), "no target/classes");
        List<String> hits = new ArrayList<>();
        int scanned = 0;
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                scanned++;
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                for (String needle : List.of("/bin/sh", "sh -c", "/bin/bash")) {
                    // The one exception: /bin/sh runs an executable file the kernel refuses with
                    // ENOEXEC (a script without #!), given the file's path, never -c, as execvp and
                    // ProcessBuilder do (ScriptWithoutShebangTest).
                    boolean scriptFallback = needle.equals("/bin/sh")
                        && classes.relativize(f).toString().equals("dev/vfork4j/spawn/NativeStrings.class");
                    if (text.contains(needle) && !scriptFallback) {
                        hits.add(classes.relativize(f) + ": " + needle);
                    }
                }
            }
        }
        Report.record("Security", "no shell: the library's class files scanned for \"/bin/sh\" (but in the script"
                + " fallback, NativeStrings), \"sh -c\", \"/bin/bash\"",
            "all", Load.MODE, scanned + " class files", hits.isEmpty() ? "none found" : "FAILED: " + hits,
            scanned + " classes in core/target/classes");
        assertThat(scanned).isPositive();
        assertThat(hits).isEmpty();
    }

    @AfterAll
    static void report() {
        Report.flush("Security");
    }
}
