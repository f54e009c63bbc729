package dev.vfork4j;

import java.util.List;

/**
 * Main class for a disposable JVM without native access: killTree(SIGUSR1) of a JDK-started
 * child with grandchildren must refuse before signalling anything; killTree(SIGTERM) still works.
 */
public final class JdkKillTreeProbe {
    private JdkKillTreeProbe() {}

    public static void main(String[] args) throws Exception {
        Child c = Command.of("sh", "-c", "sleep 30 & echo $!; sleep 30 & echo $!; wait").mechanism(Mechanism.JDK).start();
        var out = c.inputReader();
        List<Long> grandchildren = List.of(Long.parseLong(out.readLine().strip()), Long.parseLong(out.readLine().strip()));
        try {
            c.killTree(Signal.SIGUSR1);
            System.out.println("not refused");
        } catch (UnsupportedOperationException e) {
            // The message's tail is the JDK's own IllegalCallerException text: keep the part vfork4j writes.
            String m = e.getMessage();
            int cut = m.indexOf(" (", m.indexOf("native access is not enabled"));
            System.out.println("refused: UnsupportedOperationException: " + (cut < 0 ? m : m.substring(0, cut)));
        }
        Thread.sleep(200);
        System.out.println("child running: " + ParentDeathSignalTest.running(c.pid()));
        System.out.println("grandchildren running: " + grandchildren.stream().allMatch(ParentDeathSignalTest::running));
        c.killTree(Signal.SIGTERM);
        c.waitFor();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (grandchildren.stream().anyMatch(ParentDeathSignalTest::running) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        System.out.println("after killTree(SIGTERM): child running " + ParentDeathSignalTest.running(c.pid())
            + ", grandchildren running " + grandchildren.stream().anyMatch(ParentDeathSignalTest::running));
    }
}
