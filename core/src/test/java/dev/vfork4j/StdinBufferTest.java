package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * stdin(ByteBuffer) over memory that the thread feeding stdin cannot read — a confined Arena's
 * segment, a closed Arena's, a shared Arena closed while the child reads — is refused at the
 * call or fails the command; it never hangs and never passes for success with short input,
 * on every mechanism.
 */
@Timeout(60)
class StdinBufferTest {

    static Stream<Mechanism> mechanisms() {
        return Mechanisms.available();
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aConfinedArenasSegmentIsRefusedAtTheCall(Mechanism m) {
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer data = arena.allocateFrom("hello\n", StandardCharsets.US_ASCII).asByteBuffer();
            assertThatThrownBy(() -> Command.of("cat").mechanism(m).stdin(data))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("confined Arena");
        }
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aClosedArenasSegmentIsRefusedAtTheCall(Mechanism m) {
        Arena arena = Arena.ofShared();
        ByteBuffer data = arena.allocate(1024).asByteBuffer();
        arena.close();
        assertThatThrownBy(() -> Command.of("cat").mechanism(m).stdin(data))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Arena that owns its memory is closed");
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void sharedAutomaticAndHeapMemoryAreFedInFull(Mechanism m) throws Exception {
        byte[] bytes = "every byte\n".repeat(10_000).getBytes(StandardCharsets.US_ASCII);
        try (Arena shared = Arena.ofShared()) {
            for (ByteBuffer data : new ByteBuffer[] {
                shared.allocate(bytes.length).copyFrom(MemorySegment.ofArray(bytes)).asByteBuffer(),
                Arena.ofAuto().allocate(bytes.length).copyFrom(MemorySegment.ofArray(bytes)).asByteBuffer(),
                ByteBuffer.allocateDirect(bytes.length).put(bytes).flip(),
                ByteBuffer.wrap(bytes)}) {
                Output out = Command.of("cat").mechanism(m).stdin(data).output();
                assertThat(out.stdout()).isEqualTo(bytes);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void anArenaClosedAfterTheCallFailsTheCommand(Mechanism m) {
        Arena arena = Arena.ofShared();
        ByteBuffer data = arena.allocate(1 << 20).asByteBuffer();
        Command c = Command.of("cat").mechanism(m).stdin(data);
        arena.close();
        assertThatThrownBy(c::output).isInstanceOf(IOException.class)
            .hasMessageContaining("feeding stdin of cat failed")
            .hasCauseInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @MethodSource("mechanisms")
    void aSharedArenaClosedWhileTheChildReadsSlowlyFailsTheCommand(Mechanism m) throws Exception {
        // 16 MiB cannot fit in the pipe: the child sleeps before reading, so most of it is still
        // unwritten when the arena goes. The child must see end of file (it exits 0 then), and
        // output() must fail with the arena's exception rather than hang or succeed with less.
        Arena arena = Arena.ofShared();
        ByteBuffer data = arena.allocate(16 << 20).asByteBuffer();
        CompletableFuture<Output> f = Command.of("sh", "-c", "sleep 0.5; exec wc -c").mechanism(m).stdin(data).outputAsync();
        Thread.sleep(100);
        arena.close();
        assertThat(f).failsWithin(30, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
            .havingCause().isInstanceOf(IOException.class)
            .withMessageContaining("feeding stdin of sh failed")
            .withCauseInstanceOf(IllegalStateException.class);
    }
}
