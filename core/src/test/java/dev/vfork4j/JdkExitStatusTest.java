package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What Child#exitStatus documents for the JDK mechanism: the JDK reaps the child itself and
 * reports a death by signal n as exit code 128 + n, indistinguishable from a child that chose
 * that code; the other mechanisms report the signal.
 */
@Timeout(60)
class JdkExitStatusTest {

    private static ExitStatus killedBySigterm(Mechanism m) throws Exception {
        Child c = Command.of("sleep", "30").mechanism(m).start();
        c.signal(Signal.SIGTERM);
        c.waitFor();
        return c.exitStatus();
    }

    @Test
    void underTheJdkMechanismASignalDeathReadsAsExitCode128PlusN() throws Exception {
        ExitStatus killed = killedBySigterm(Mechanism.JDK);
        ExitStatus chosen = Command.of("sh", "-c", "exit 143").mechanism(Mechanism.JDK).run();

        assertThat(killed).isEqualTo(ExitStatus.exited(143));
        assertThat(killed.toString()).isEqualTo("exit code 143");
        assertThat(chosen).as("a child that chose 143 looks the same").isEqualTo(killed);
    }

    @Test
    void theOtherMechanismsReportTheSignal() throws Exception {
        for (Mechanism m : Mechanisms.nativeOnes().toList()) {
            ExitStatus killed = killedBySigterm(m);
            assertThat(killed).as("%s", m).isEqualTo(ExitStatus.killed(Signal.SIGTERM.number(), false));
            assertThat(killed.toString()).isEqualTo("killed by SIGTERM");
            assertThat(killed.exitValue()).as("exitValue is the JDK's 128 + n everywhere").isEqualTo(143);
        }
    }
}
