package dev.vfork4j.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vfork4j.Command;
import dev.vfork4j.Output;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HotSpot's exit waits up to 300 ms for every Java thread that is in native code
 * (UserThreadWaitAttemptsAtExit), and the loop thread waits in epoll_wait through a downcall:
 * every JVM that had started a child took 300 ms longer to exit. Once the JVM shuts down, the
 * loop thread must no longer wait in epoll_wait, nor a platform thread waiting for its child in
 * poll(2), and the loop must still serve children started by shutdown hooks. Checked in a
 * disposable JVM ({@link ExitProbe}) by the system call the loop thread is blocked in, not by
 * timing the exit.
 */
@Timeout(60)
class LoopThreadAtExitTest {

    @Test
    void theLoopThreadLeavesEpollWaitWhenTheJvmShutsDownAndStillServesChildren() throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
            "-Xmx64m", "-cp", System.getProperty("java.class.path"), "--enable-native-access=ALL-UNNAMED",
            ExitProbe.class.getName()));
        Output out = Command.of(argv).output();
        assertThat(out.status().success()).as(out.stderrText()).isTrue();
        assertThat(out.stdoutText()).as("the loop waits in epoll_wait while the JVM runs").contains("before=epoll\n")
            .contains("duringShutdown=elsewhere\n")
            .as("a platform thread waiting for its child waits in poll(2), and leaves it too")
            .contains("waiterBefore=poll\n").contains("waiterDuringShutdown=elsewhere\n")
            .contains("hookChild=in a hook\n");
    }
}
