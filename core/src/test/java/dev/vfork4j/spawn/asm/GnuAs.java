package dev.vfork4j.spawn.asm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Assembles a listing with GNU as and returns the .text bytes: the reference our emitters must match. */
final class GnuAs {
    private GnuAs() {}

    static boolean installed(String as) {
        return List.of(System.getenv("PATH").split(":")).stream().anyMatch(d -> Files.isExecutable(Path.of(d, as)));
    }

    static byte[] assemble(String as, String objcopy, String source, Path dir) throws IOException, InterruptedException {
        Path src = dir.resolve("routine.s");
        Path obj = dir.resolve("routine.o");
        Path bin = dir.resolve("routine.bin");
        Files.writeString(src, source);
        run(dir, as, "-o", obj.toString(), src.toString());
        run(dir, objcopy, "-O", "binary", "--only-section=.text", obj.toString(), bin.toString());
        return Files.readAllBytes(bin);
    }

    private static void run(Path dir, String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", argv) + " failed:\n" + out);
        }
    }
}
