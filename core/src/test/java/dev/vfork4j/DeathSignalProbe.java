package dev.vfork4j;

/**
 * Main class for a disposable JVM: starts {@code sleep 60} with a parent-death signal from a
 * thread that then ends, prints the child's pid and "thread-ended", and waits to be killed.
 */
public final class DeathSignalProbe {
    private DeathSignalProbe() {}

    public static void main(String[] args) throws Exception {
        Mechanism m = Mechanism.valueOf(args[0]);
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Child c = Command.of("sleep", "60").mechanism(m).parentDeathSignal(Signal.SIGKILL)
                    .stdin(Redirect.DISCARD).stdout(Redirect.DISCARD).stderr(Redirect.DISCARD).start();
                System.out.println("child=" + c.pid());
            } catch (Exception e) {
                e.printStackTrace();
                System.exit(3);
            }
        });
        t.join();
        System.out.println("thread-ended");
        System.out.flush();
        Thread.sleep(120_000);
    }
}
