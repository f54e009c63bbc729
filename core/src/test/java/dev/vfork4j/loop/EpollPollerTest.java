package dev.vfork4j.loop;

import static dev.vfork4j.linux.Linux.ENOENT;
import static dev.vfork4j.linux.Linux.EPOLLIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vfork4j.linux.CallState;
import dev.vfork4j.linux.ErrnoException;
import dev.vfork4j.linux.LibC;
import dev.vfork4j.linux.Posix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EpollPollerTest {

    /**
     * The race the long soak found, made deterministic: epoll_wait collects events for two pipes;
     * the first one's handler, standing in for another thread, removes the second pipe, closes
     * it and registers a new, empty pipe under the same fd number. The second pipe's event,
     * already collected, must then reach neither the new handler nor the new registration.
     */
    @Test
    void aStaleEventOfAnFdNumberRegisteredAgainRunsNothingAndRemovesNothing() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        int[] first = Posix.pipe();
        int[] old = Posix.pipe();
        int n = old[0];
        int[] freshWriter = {-1};
        try (EpollPoller poller = new EpollPoller(16); Arena arena = Arena.ofConfined()) {
            MemorySegment st = CallState.allocate(arena);
            MemorySegment oneByte = arena.allocate(1);
            poller.add(first[0], EPOLLIN, events -> {
                calls.add("first");
                poller.remove(first[0]);
                try {
                    int[] fresh = Posix.pipe(); // before n is closed, so that neither end takes its number
                    poller.remove(n);
                    Posix.close(n);
                    int again = Posix.dupCloexec(fresh[0], n);
                    Posix.close(fresh[0]);
                    freshWriter[0] = fresh[1];
                    assertThat(again).as("the closed number is free again").isEqualTo(n);
                    poller.add(n, EPOLLIN, e -> calls.add("fresh"));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            poller.add(n, EPOLLIN, events -> calls.add("old"));
            assertThat(LibC.write(st, first[1], oneByte, 1)).isEqualTo(1);
            assertThat(LibC.write(st, old[1], oneByte, 1)).isEqualTo(1);

            assertThat(poller.poll(5_000)).isEqualTo(2);
            assertThat(calls).as("the old pipe's event, collected before the swap").containsExactly("first");

            assertThat(poller.poll(0)).as("the new pipe is empty").isZero();
            assertThat(LibC.write(st, freshWriter[0], oneByte, 1)).isEqualTo(1);
            assertThat(poller.poll(5_000)).as("the new registration is still in the epoll set").isEqualTo(1);
            assertThat(calls).containsExactly("first", "fresh");
            poller.remove(n);
            assertThat(catchThrowableOfType(ErrnoException.class, () -> poller.modify(n, EPOLLIN)).errno())
                .as("MOD of a removed fd").isEqualTo(ENOENT);
        } finally {
            // LibC.close, not Posix.close: a failure half-way may leave one of these closed already,
            // and EBADF must not hide that failure.
            try (Arena a = Arena.ofConfined()) {
                MemorySegment st = CallState.allocate(a);
                for (int fd : new int[] {first[0], first[1], n, old[1], freshWriter[0]}) {
                    if (fd >= 0) {
                        LibC.close(st, fd);
                    }
                }
            }
        }
    }
}
