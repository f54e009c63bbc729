package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.spawn.ChildAttributes;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Command is immutable and each attribute method makes a copy through one builder: the copy
 * must differ from the original in exactly what the method sets, and carry every other field,
 * process attribute and I/O option over. Read field by field (by reflection, so that a field
 * added later is compared too), from a Command with everything set.
 */
class CommandCopyTest {

    private static final ChunkHandler HANDLER = chunk -> {};

    /** Every field, attribute and option set to something other than its default (but newSession and noNewPrivileges). */
    private static Command full() {
        return Command.of("/bin/echo", "a").directory(Path.of("/tmp")).environment(Map.of("A", "1"))
            .stdin(ByteBuffer.wrap(new byte[] {1})).onStdout(HANDLER).onStderr(HANDLER).mechanism(Mechanism.FORK)
            .maxOutput(10).timeout(Duration.ofSeconds(3), Duration.ofSeconds(1)).waitDelay(Duration.ofMillis(5)).processGroup(0)
            .parentDeathSignal(Signal.SIGTERM).umask(077).limit(Resource.CORE, 0, 0).user(65534, 65534, 4)
            .cgroup(Path.of("/sys/fs/cgroup/x")).keepFd(1, 7).signalMask(Signal.SIGUSR1);
    }

    static Object[][] changes() {
        ByteArrayInputStream in = new ByteArrayInputStream(new byte[0]);
        return new Object[][] {
            {"directory", (UnaryOperator<Command>) c -> c.directory(Path.of("/")), Set.of("directory")},
            {"environment", (UnaryOperator<Command>) c -> c.environment(Map.of("B", "2")), Set.of("environment")},
            {"env", (UnaryOperator<Command>) c -> c.env("C", "3"), Set.of("environment")},
            {"removeEnv", (UnaryOperator<Command>) c -> c.removeEnv("A"), Set.of("environment")},
            {"stdin(Redirect)", (UnaryOperator<Command>) c -> c.stdin(Redirect.INHERIT), Set.of("stdin", "io.inputBuffer")},
            {"stdin(InputStream)", (UnaryOperator<Command>) c -> c.stdin(in), Set.of("io.inputBuffer", "io.inputStream")},
            {"stdout", (UnaryOperator<Command>) c -> c.stdout(Redirect.INHERIT), Set.of("stdout", "io.onStdout")},
            {"stderr", (UnaryOperator<Command>) c -> c.stderr(Redirect.DISCARD), Set.of("stderr", "io.onStderr")},
            {"mechanism", (UnaryOperator<Command>) c -> c.mechanism(Mechanism.VFORK), Set.of("mechanism")},
            {"maxOutput", (UnaryOperator<Command>) c -> c.maxOutput(11), Set.of("io.maxOutput")},
            {"timeout", (UnaryOperator<Command>) c -> c.timeout(Duration.ofSeconds(4)), Set.of("io.timeout", "io.grace")},
            {"waitDelay", (UnaryOperator<Command>) c -> c.waitDelay(Duration.ZERO), Set.of("io.waitDelay")},
            {"processGroup", (UnaryOperator<Command>) c -> c.processGroup(5), Set.of("attributes.processGroup")},
            {"parentDeathSignal", (UnaryOperator<Command>) c -> c.parentDeathSignal(Signal.SIGKILL),
                Set.of("attributes.parentDeathSignal")},
            {"umask", (UnaryOperator<Command>) c -> c.umask(022), Set.of("attributes.umask")},
            {"limit", (UnaryOperator<Command>) c -> c.limit(Resource.NOFILE, 8, 8), Set.of("attributes.limits")},
            {"user", (UnaryOperator<Command>) c -> c.user(65533, 65533), Set.of("attributes.credentials")},
            {"noNewPrivileges", (UnaryOperator<Command>) Command::noNewPrivileges, Set.of("attributes.noNewPrivileges")},
            {"cgroup", (UnaryOperator<Command>) c -> c.cgroup(Path.of("/sys/fs/cgroup/y")), Set.of("attributes.cgroup")},
            {"keepFd", (UnaryOperator<Command>) c -> c.keepFd(2, 8), Set.of("attributes.keptFds")},
            {"signalMask", (UnaryOperator<Command>) c -> c.signalMask(Signal.SIGUSR2), Set.of("attributes.signalMask")},
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void aCopyChangesOnlyWhatItsMethodSets(String method, UnaryOperator<Command> change, Set<String> changed)
        throws Exception {
        Command before = full();
        Map<String, Object> original = fields(before);
        Command after = change.apply(before);
        assertThat(after).isNotSameAs(before);
        assertThat(fields(before)).as("the original is left as it was").isEqualTo(original);
        Map<String, Object> copied = fields(after);
        Set<String> differ = new TreeSet<>();
        for (String name : original.keySet()) {
            if (!java.util.Objects.deepEquals(original.get(name), copied.get(name))) {
                differ.add(name);
            }
        }
        assertThat(differ).as(method + " changed").containsExactlyInAnyOrderElementsOf(changed);
    }

    @org.junit.jupiter.api.Test
    void newSessionChangesOnlyTheSession() throws Exception {
        // full() has a process group, which newSession refuses: the same check from a Command without one.
        Command before = Command.of("/bin/echo").umask(077).keepFd(1, 7).maxOutput(3).noNewPrivileges();
        Map<String, Object> original = fields(before);
        Map<String, Object> copied = fields(before.newSession());
        Set<String> differ = new TreeSet<>();
        for (String name : original.keySet()) {
            if (!java.util.Objects.deepEquals(original.get(name), copied.get(name))) {
                differ.add(name);
            }
        }
        assertThat(differ).containsExactly("attributes.newSession");
    }

    @org.junit.jupiter.api.Test
    void containedChangesOnlyTheContainment() throws Exception {
        // full() has a cgroup, which contained refuses: the same check from a Command without one.
        Command before = Command.of("/bin/echo").umask(077).keepFd(1, 7).maxOutput(3).noNewPrivileges();
        Map<String, Object> original = fields(before);
        for (Command after : java.util.List.of(before.contained(), before.contained(Path.of("/sys/fs/cgroup/p")))) {
            Map<String, Object> copied = fields(after);
            Set<String> differ = new TreeSet<>();
            for (String name : original.keySet()) {
                if (!java.util.Objects.deepEquals(original.get(name), copied.get(name))) {
                    differ.add(name);
                }
            }
            assertThat(differ).isSubsetOf("attributes.contained", "attributes.containedParent").contains("attributes.contained");
        }
    }

    /** Command's fields, with ChildAttributes' and IoOptions' components spelled out, by name. */
    private static Map<String, Object> fields(Command c) throws ReflectiveOperationException {
        Map<String, Object> all = new TreeMap<>();
        for (Field f : Command.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            f.setAccessible(true);
            Object value = f.get(c);
            if (value instanceof ChildAttributes || value instanceof IoOptions) {
                for (RecordComponent rc : value.getClass().getRecordComponents()) {
                    rc.getAccessor().setAccessible(true);
                    all.put(f.getName() + "." + rc.getName(), rc.getAccessor().invoke(value));
                }
            } else {
                all.put(f.getName(), value);
            }
        }
        assertThat(all).containsKeys("argv", "environment", "directory", "stdin", "stdout", "stderr", "mechanism",
            "attributes.umask", "io.timeout");
        return all;
    }
}
