package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vfork4j.linux.Posix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each process attribute, verified from inside a real child through /proc/self. */
@Timeout(60)
class ChildAttributesTest {

    /** VFORK and FORK: every attribute. */
    static Stream<Mechanism> cloneMechanisms() {
        return Mechanisms.nativeOnes().filter(m -> m != Mechanism.POSIX_SPAWN);
    }

    /** Also POSIX_SPAWN, for the attributes glibc can set. */
    static Stream<Mechanism> nativeMechanisms() {
        return Mechanisms.nativeOnes();
    }

    static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    static String status(Command c) throws Exception {
        Output out = c.output();
        assertThat(out.status().success()).as(out.stderrText()).isTrue();
        return out.stdoutText();
    }

    static String field(String procStatus, String name) {
        return procStatus.lines().filter(l -> l.startsWith(name + ":")).findFirst().orElseThrow()
            .substring(name.length() + 1).strip();
    }

    /** Fields of /proc/self/stat after the command name: [0] = state, [1] = ppid, [2] = pgrp, [3] = session. */
    static String[] stat(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void umask(Mechanism m) throws Exception {
        assertThat(field(status(Command.of("cat", "/proc/self/status").mechanism(m).umask(0027)), "Umask")).isEqualTo("0027");
        assertThat(field(status(Command.of("cat", "/proc/self/status").mechanism(m).umask(0)), "Umask")).isEqualTo("0000");
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void noNewPrivileges(Mechanism m) throws Exception {
        assertThat(field(status(Command.of("cat", "/proc/self/status").mechanism(m)), "NoNewPrivs")).isEqualTo("0");
        assertThat(field(status(Command.of("cat", "/proc/self/status").mechanism(m).noNewPrivileges()), "NoNewPrivs")).isEqualTo("1");
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void userDropsGroupsThenGidThenUid(Mechanism m) throws Exception {
        assumeTrue(root(), "setting credentials needs root");
        // The order matters: setgroups and setresgid need privileges that setresuid gives up.
        String s = status(Command.of("cat", "/proc/self/status").mechanism(m).user(65534, 65533, 4, 20, 65532));
        assertThat(field(s, "Uid").split("\\s+")).containsOnly("65534");
        assertThat(field(s, "Gid").split("\\s+")).containsOnly("65533");
        assertThat(field(s, "Groups").split("\\s+")).containsExactly("4", "20", "65532");
        assertThat(field(s, "CapEff")).isEqualTo("0000000000000000");
        String none = status(Command.of("cat", "/proc/self/status").mechanism(m).user(1000, 1000));
        assertThat(field(none, "Groups")).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void newSessionMakesTheChildLeaderOfSessionAndGroup(Mechanism m) throws Exception {
        Child c = Command.of("cat", "/proc/self/stat").mechanism(m).newSession().start();
        String[] f = stat(new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        c.waitFor();
        assertThat(f[2]).as("process group").isEqualTo(Long.toString(c.pid()));
        assertThat(f[3]).as("session").isEqualTo(Long.toString(c.pid()));
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void processGroupOfItsOwnAndJoiningOne(Mechanism m) throws Exception {
        Child leader = Command.of("sleep", "30").mechanism(m).processGroup(0).start();
        try {
            String[] own = stat(Files.readString(Path.of("/proc/" + leader.pid() + "/stat")));
            assertThat(own[2]).isEqualTo(Long.toString(leader.pid()));
            String self = Files.readString(Path.of("/proc/self/stat"));
            Child member = Command.of("cat", "/proc/self/stat").mechanism(m).processGroup((int) leader.pid()).start();
            String[] joined = stat(new String(member.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            member.waitFor();
            assertThat(joined[2]).isEqualTo(Long.toString(leader.pid()));
            assertThat(joined[3]).as("same session as this JVM").isEqualTo(stat(self)[3]);
        } finally {
            leader.destroyForcibly();
            leader.waitFor();
        }
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void limits(Mechanism m) throws Exception {
        String limits = status(Command.of("cat", "/proc/self/limits").mechanism(m)
            .limit(Resource.NOFILE, 100, 200).limit(Resource.CORE, 0, Resource.UNLIMITED).limit(Resource.CPU, 30, 60));
        assertThat(limits).containsPattern("Max open files\\s+100\\s+200\\s+files");
        assertThat(limits).containsPattern("Max core file size\\s+0\\s+unlimited\\s+bytes");
        assertThat(limits).containsPattern("Max cpu time\\s+30\\s+60\\s+seconds");
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void signalMask(Mechanism m) throws Exception {
        String s = status(Command.of("cat", "/proc/self/status").mechanism(m).signalMask(Signal.SIGHUP, Signal.SIGUSR2));
        assertThat(Long.parseUnsignedLong(field(s, "SigBlk"), 16)).isEqualTo((1L << 0) | (1L << 11));
        assertThat(Long.parseUnsignedLong(field(status(Command.of("cat", "/proc/self/status").mechanism(m)), "SigBlk"), 16)).isZero();
    }

    @ParameterizedTest
    @MethodSource("nativeMechanisms")
    void keepFdPassesExactlyTheFdsAsked(Mechanism m) throws Exception {
        int[] p = Posix.pipe();
        int[] q = Posix.pipe();
        try {
            // bash, not dash: dash takes only one-digit fds in redirections. Cross the numbers: each kept fd's
            // target is the other's source, so both must be moved first.
            Child c = Command.of("bash", "-c", "echo to-a >&" + q[1] + "; echo to-b >&" + p[1] + "; echo ready; exec sleep 30")
                .mechanism(m).keepFd(p[1], q[1]).keepFd(q[1], p[1]).stderr(Redirect.INHERIT).start();
            try {
                assertThat(c.inputReader().readLine()).isEqualTo("ready");
                Thread.sleep(50); // until the exec of sleep has closed sh's extra fds
                java.util.Set<String> fds = FdLeakTest.fdsOf(c.pid());
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (fds.size() > 5 && System.nanoTime() < deadline) { // the loader's moment, as in FdLeakTest
                    Thread.sleep(10);
                    fds = FdLeakTest.fdsOf(c.pid());
                }
                assertThat(fds).containsExactlyInAnyOrder("0", "1", "2", Integer.toString(p[1]), Integer.toString(q[1]));
            } finally {
                c.destroyForcibly();
                c.waitFor();
            }
            Posix.close(p[1]);
            Posix.close(q[1]);
            assertThat(readAll(p[0])).isEqualTo("to-a\n");
            assertThat(readAll(q[0])).isEqualTo("to-b\n");
        } finally {
            Posix.close(p[0]);
            Posix.close(q[0]);
        }
    }

    private static String readAll(int fd) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc/self/fd/" + fd)), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void cgroupPlacesTheChildAtBirth(Mechanism m) throws Exception {
        Path root = Stream.of(Path.of("/sys/fs/cgroup/unified"), Path.of("/sys/fs/cgroup"))
            .filter(p -> Files.exists(p.resolve("cgroup.procs")) && Files.exists(p.resolve("cgroup.controllers")))
            .findFirst().orElse(null);
        assumeTrue(root != null, "no cgroup2 hierarchy mounted");
        Path group = root.resolve("vfork4j-test-" + ProcessHandle.current().pid() + "-" + m);
        try {
            Files.createDirectory(group);
        } catch (IOException e) {
            assumeTrue(false, "cgroup2 not writable here: " + e);
        }
        try {
            String cgroups = status(Command.of("cat", "/proc/self/cgroup").mechanism(m).cgroup(group));
            assertThat(cgroups.lines()).contains("0::/" + root.relativize(group));
        } finally {
            Files.delete(group);
        }
    }

    @ParameterizedTest
    @MethodSource("cloneMechanisms")
    void everyAttributeAtOnce(Mechanism m) throws Exception {
        String s = status(Command.of("cat", "/proc/self/status").mechanism(m).newSession().umask(077).noNewPrivileges()
            .limit(Resource.NOFILE, 64, 64).signalMask(Signal.SIGTERM).parentDeathSignal(Signal.SIGKILL)
            .directory(Path.of("/")));
        assertThat(field(s, "Umask")).isEqualTo("0077");
        assertThat(field(s, "NoNewPrivs")).isEqualTo("1");
        assertThat(Long.parseUnsignedLong(field(s, "SigBlk"), 16)).isEqualTo(1L << 14);
    }

    @Test
    void mechanismsThatCannotSetAnAttributeSayWhichAtStart() {
        assertThatThrownBy(() -> Command.of("true").mechanism(Mechanism.POSIX_SPAWN).umask(022).start())
            .isInstanceOf(UnsupportedOperationException.class).hasMessage("mechanism POSIX_SPAWN cannot set umask: use VFORK or FORK");
        assertThatThrownBy(() -> Command.of("true").mechanism(Mechanism.POSIX_SPAWN).parentDeathSignal(Signal.SIGTERM).run())
            .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("parentDeathSignal");
        assertThatThrownBy(() -> Command.of("true").mechanism(Mechanism.JDK).newSession().output())
            .isInstanceOf(UnsupportedOperationException.class)
            .hasMessage("mechanism JDK cannot set newSession: use VFORK, POSIX_SPAWN or FORK");
        assertThatThrownBy(() -> Command.of("true").mechanism(Mechanism.JDK).keepFd(0, 5).start())
            .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("keepFd");
    }

    @Test
    void invalidValuesAreRejectedWhenSet() {
        Command c = Command.of("true");
        assertThatThrownBy(() -> c.umask(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("umask");
        assertThatThrownBy(() -> c.umask(01000)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0777");
        assertThatThrownBy(() -> c.limit(Resource.NOFILE, -1, 10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
        assertThatThrownBy(() -> c.limit(Resource.NOFILE, 20, 10)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("soft 20 is above hard 10");
        assertThatThrownBy(() -> c.user(-1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.user(0, -5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.user(0, 0, 1, -2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.processGroup(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.keepFd(-1, 5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fd in parent");
        assertThatThrownBy(() -> c.keepFd(4, 2)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(">= 3");
        assertThatThrownBy(() -> c.keepFd(4, Integer.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nr_open");
        assertThatThrownBy(() -> c.keepFd(4, 5).keepFd(6, 5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already");
        assertThatThrownBy(() -> c.newSession().processGroup(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.processGroup(0).newSession()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.signalMask(Signal.SIGKILL)).isInstanceOf(IllegalArgumentException.class);
    }
}
