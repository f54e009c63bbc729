package dev.vfork4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
