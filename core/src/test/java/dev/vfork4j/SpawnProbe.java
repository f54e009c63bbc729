package dev.vfork4j;

/**
 * Main class for disposable JVMs: prints what vfork4j sees about itself, then runs argv (if
 * any) through the best mechanism with captured output and prints it.
 */
public final class SpawnProbe {
    public static void main(String[] args) throws Exception {
        for (Mechanism m : Mechanism.values()) {
            System.out.println(m + "=" + m.unavailableReason().orElse("available"));
        }
        System.out.println("best=" + Mechanism.best());
        if (args.length > 0) {
            Output out = Command.of(java.util.List.of(args)).output();
            System.out.print(out.stdoutText());
            System.out.println("status=" + out.status());
        }
    }
}
