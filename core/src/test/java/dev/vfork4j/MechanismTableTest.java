package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.vfork4j.spawn.Attribute;
import dev.vfork4j.spawn.Technique;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The public Mechanism and the internal table of mechanisms (Technique) are one: the same
 * constants in the same order, the same availability, the preference order the library states;
 * and what the table says a mechanism can set is what starting a child with it does.
 */
class MechanismTableTest {

    @Test
    void everyMechanismIsTheTableRowOfItsName() {
        assertThat(Arrays.stream(Mechanism.values()).map(Enum::name))
            .containsExactlyElementsOf(Arrays.stream(Technique.values()).map(Enum::name).toList());
        for (Mechanism m : Mechanism.values()) {
            assertThat(m.technique().name()).isEqualTo(m.name());
            assertThat(Mechanism.of(m.technique())).isSameAs(m);
            assertThat(m.unavailableReason()).isEqualTo(m.technique().unavailableReason());
        }
    }

    @Test
    void thePreferenceOrderIsPublicAndBestIsItsFirstAvailable() {
        List<Mechanism> order = Mechanism.preferenceOrder();
        assertThat(order).containsExactly(Mechanism.VFORK, Mechanism.POSIX_SPAWN, Mechanism.JDK);
        assertThatThrownBy(() -> order.add(Mechanism.FORK)).isInstanceOf(UnsupportedOperationException.class);
        Mechanism first = order.stream().filter(Mechanism::isAvailable).findFirst().orElseThrow();
        assertThat(Mechanism.best()).isEqualTo(first);
    }

    @Test
    void messagesNameEveryMechanismThatCanSetTheAttribute() {
        assertThat(Technique.whoCanSet(Attribute.UMASK)).isEqualTo("VFORK or FORK");
        assertThat(Technique.whoCanSet(Attribute.KEEP_FD)).isEqualTo("VFORK, POSIX_SPAWN or FORK");
        for (Attribute a : Attribute.values()) {
            assertThat(Technique.VFORK.canSet(a)).as(a.name()).isTrue();
            assertThat(Technique.FORK.canSet(a)).as(a.name()).isTrue();
            assertThat(Technique.JDK.canSet(a)).as(a.name()).isFalse();
        }
    }

    /**
     * Each attribute, set with a value any user may set, on each available mechanism: the
     * child starts and exits 0 when the table says the mechanism can set it, and the start is
     * refused naming the attribute when it says not. Attributes that need privileges or a cgroup
     * of the test's own (user, cgroup, contained) are only checked on the refusing side here
     * (ChildAttributesTest sets them for real).
     */
    @Test
    void whatTheTableSaysIsWhatAStartDoes() throws Exception {
        Map<Attribute, UnaryOperator<Command>> set = Map.ofEntries(
            Map.entry(Attribute.NEW_SESSION, Command::newSession),
            Map.entry(Attribute.PROCESS_GROUP, c -> c.processGroup(0)),
            Map.entry(Attribute.PARENT_DEATH_SIGNAL, c -> c.parentDeathSignal(Signal.SIGKILL)),
            Map.entry(Attribute.UMASK, c -> c.umask(022)),
            Map.entry(Attribute.LIMIT, c -> c.limit(Resource.CORE, 0, 0)),
            Map.entry(Attribute.USER, c -> c.user(65534, 65534)),
            Map.entry(Attribute.NO_NEW_PRIVILEGES, Command::noNewPrivileges),
            Map.entry(Attribute.CGROUP, c -> c.cgroup(Path.of("/sys/fs/cgroup/vfork4j-table-test-never-made"))),
            Map.entry(Attribute.KEEP_FD, c -> c.keepFd(1, 9)),
            Map.entry(Attribute.SIGNAL_MASK, c -> c.signalMask(Signal.SIGUSR1)),
            Map.entry(Attribute.CONTAINED, Command::contained));
        assertThat(set).containsOnlyKeys(Attribute.values());
        List<Mechanism> available = Mechanisms.available().toList();
        assumeThat(available).as("mechanisms available here").isNotEmpty();
        for (Mechanism m : available) {
            for (Attribute a : Attribute.values()) {
                Command c = set.get(a).apply(Command.of("/bin/true").mechanism(m));
                if (!m.technique().canSet(a)) {
                    assertThatThrownBy(c::run).as(m + " " + a).isInstanceOf(UnsupportedOperationException.class)
                        .hasMessageStartingWith("mechanism " + m + " cannot set " + a.method() + ": use "
                            + Technique.whoCanSet(a));
                } else if (a != Attribute.USER && a != Attribute.CGROUP && a != Attribute.CONTAINED) {
                    assertThat(c.run().code()).as(m + " " + a).isZero();
                }
            }
        }
    }
}
