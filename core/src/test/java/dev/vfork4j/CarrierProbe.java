package dev.vfork4j;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Main class for a disposable JVM with ONE carrier thread: 20 virtual threads each start a
 * child that waits for a line on stdin, then block reading its stdout and in waitFor. Only if
 * a blocked read gives the carrier back can the next virtual thread run and start its child.
 * Prints "all-started" and "ok" when every thread got through, "stuck" otherwise.
 */
public final class CarrierProbe {
    private CarrierProbe() {}

    public static void main(String[] args) throws Exception {
        Mechanism m = Mechanism.valueOf(args[0]);
        int n = 20;
        CountDownLatch started = new CountDownLatch(n);
        List<Child> children = new ArrayList<>();
        ConcurrentLinkedQueue<String> results = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = i;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    Child c = Command.of("sh", "-c", "read x; echo \"$x\"").mechanism(m).start();
                    synchronized (children) {
                        children.add(c);
                    }
                    started.countDown();
                    String line = c.inputReader().readLine(); // blocks until main writes
                    c.waitFor();
                    results.add(line);
                } catch (Exception e) {
                    results.add("failed " + id + ": " + e);
                }
            }));
        }
        if (!started.await(30, TimeUnit.SECONDS)) {
            System.out.println("stuck: only " + (n - started.getCount()) + " of " + n + " started");
            System.exit(1);
        }
        System.out.println("all-started");
        synchronized (children) {
            for (Child c : children) {
                c.getOutputStream().write("hello\n".getBytes());
                c.getOutputStream().close();
            }
        }
        for (Thread t : threads) {
            t.join();
        }
        System.out.println(results.stream().allMatch("hello"::equals) && results.size() == n ? "ok" : "bad " + results);
    }
}
