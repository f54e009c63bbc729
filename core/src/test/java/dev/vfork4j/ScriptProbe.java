package dev.vfork4j;

import java.util.HexFormat;
import java.util.List;

/**
 * Main class for disposable JVMs: runs argv through every available mechanism and through
 * ProcessBuilder, and prints one line each, {@code NAME=exit code|stdout as hex} (or
 * {@code NAME=failed: message}), so a test can compare them with the JDK's.
 */
public final class ScriptProbe {
    private ScriptProbe() {}

    public static void main(String[] args) throws Exception {
        List<String> argv = List.of(args);
        for (Mechanism m : Mechanism.values()) {
            if (!m.isAvailable()) {
                continue;
            }
            try {
                Output out = Command.of(argv).mechanism(m).output();
                System.out.println(m + "=" + out.status().code() + "|" + HexFormat.of().formatHex(out.stdout()));
            } catch (java.io.IOException e) {
                System.out.println(m + "=failed: " + e.getMessage());
            }
        }
        try {
            Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] stdout = p.getInputStream().readAllBytes();
            System.out.println("ProcessBuilder=" + p.waitFor() + "|" + HexFormat.of().formatHex(stdout));
        } catch (java.io.IOException e) {
            System.out.println("ProcessBuilder=failed: " + e.getMessage());
        }
    }
}
