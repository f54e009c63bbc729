package dev.vfork4j.bench.startup;

/**
 * A fresh JVM's first child through the JDK, the reference users compare with:
 * {@code new ProcessBuilder("/bin/true").inheritIO().start().waitFor()}, with the JDK's default
 * launch mechanism. Prints {@link StartupLine}'s line; exits 1 when the child did not exit 0.
 */
public final class JdkFirst {
    private JdkFirst() {}

    public static void main(String[] args) throws Exception {
        long mainEntry = System.nanoTime();
        int status = new ProcessBuilder("/bin/true").inheritIO().start().waitFor();
        long childExited = System.nanoTime();
        StartupLine.print(mainEntry, childExited, status);
        if (status != 0) {
            System.exit(1);
        }
    }
}
