package dev.vfork4j;

/**
 * Main class for disposable JVMs: prints what vfork4j sees about itself, then runs argv (if
 * any) with captured output through the best mechanism (or the one named by the system
 * property {@code vfork4j.test.mechanism}) and prints it.
 */
public final class SpawnProbe {
    private SpawnProbe() {}

    public static void main(String[] args) throws Exception {
        for (Mechanism m : Mechanism.values()) {
            System.out.println(m + "=" + m.unavailableReason().orElse("available"));
        }
        System.out.println("best=" + Mechanism.best());
        if (args.length > 0) {
            String mechanism = System.getProperty("vfork4j.test.mechanism");
            Command c = Command.of(java.util.List.of(args));
            Output out = (mechanism == null ? c : c.mechanism(Mechanism.valueOf(mechanism))).output();
            System.out.print(out.stdoutText());
            System.out.println("status=" + out.status());
        }
    }
}
