package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Vfork4jTest {

    @Test
    void startIsADropInForProcessBuilderStart(@TempDir Path dir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "echo out; echo err >&2; pwd; echo $PB_VAR")
            .directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("PB_VAR", "from-builder");
        Process p = Vfork4j.start(pb);
        assertThat(p).isInstanceOf(Child.class);
        assertThat(((Child) p).mechanism()).isEqualTo(Mechanism.best());
        assertThat(new String(p.getInputStream().readAllBytes()))
            .isEqualTo("out\nerr\n" + dir.toRealPath() + "\nfrom-builder\n");
        assertThat(p.waitFor()).isZero();
    }

    @Test
    void honoursFileRedirects(@TempDir Path dir) throws Exception {
        Path in = Files.writeString(dir.resolve("in"), "data\n");
        Path out = dir.resolve("out");
        Process p = Vfork4j.start(new ProcessBuilder("cat").redirectInput(in.toFile()).redirectOutput(out.toFile()));
        assertThat(p.waitFor()).isZero();
        assertThat(Files.readString(out)).isEqualTo("data\n");
        assertThat(p.getInputStream().read()).isEqualTo(-1);
    }

    @Test
    void aFailedStartThrowsWhatPbStartThrows(@TempDir Path dir) {
        ProcessBuilder pb = new ProcessBuilder("vfork4j-no-such-program").directory(dir.toFile());
        Throwable jdk = catchThrowable(pb::start);
        Throwable ours = catchThrowable(() -> Vfork4j.start(pb));
        assertThat(ours).isInstanceOf(SpawnException.class).hasMessage(jdk.getMessage())
            .hasMessage("Cannot run program \"vfork4j-no-such-program\" (in directory \"" + dir
                + "\"): Exec failed, error: 2 (No such file or directory) ");
        assertThat(ours.getCause()).isExactlyInstanceOf(jdk.getCause().getClass()).hasMessage(jdk.getCause().getMessage());
        SpawnException e = (SpawnException) ours;
        assertThat(e.step()).isEqualTo(SpawnException.Step.EXEC);
        assertThat(e.errnoName()).isEqualTo("ENOENT");
    }

    @Test
    void theCommandApiKeepsItsStricterChecks() {
        ProcessBuilder empty = new ProcessBuilder("");
        assertThatThrownBy(() -> Command.from(empty)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("the program name must not be empty");
        assertThat(catchThrowable(() -> Vfork4j.start(empty))).isInstanceOf(SpawnException.class)
            .hasMessage("Cannot run program \"\": Exec failed, error: 2 (No such file or directory) ");
        assertThatThrownBy(() -> Vfork4j.start(new ProcessBuilder().command(List.of())))
            .isInstanceOf(IndexOutOfBoundsException.class);
    }
}
