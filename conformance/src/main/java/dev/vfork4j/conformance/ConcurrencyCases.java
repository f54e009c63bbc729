package dev.vfork4j.conformance;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many threads at once: concurrent waitFor and onExit on one child, starts from many platform
 * and virtual threads, and thousands of children in a loop, counted.
 */
final class ConcurrencyCases {

    private ConcurrencyCases() {}

    static void register(Cases c) {
        c.add("many/concurrent-waitFor-from-32-threads", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sh", "-c", "sleep 0.3; exit 21"));
            if (p != null) {
                CountDownLatch ready = new CountDownLatch(32);
                List<Thread> ws = new ArrayList<>();
                Map<String, Integer> results = new TreeMap<>();
                for (int i = 0; i < 32; i++) {
                    int k = i;
                    ws.add((k % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual()).start(() -> {
                        ready.countDown();
                        String r;
                        try {
                            r = switch (k % 4) {
                                case 0, 1 -> "waitFor=" + p.waitFor();
                                case 2 -> "waitFor(t)=" + p.waitFor(30, TimeUnit.SECONDS) + "," + p.exitValue();
                                default -> "onExit=" + p.onExit().get().exitValue();
                            };
                        } catch (Exception e) {
                            r = t.describe(e);
                        }
                        synchronized (results) {
                            results.merge(r, 1, Integer::sum);
                        }
                    }));
                }
                ready.await();
                for (Thread w : ws) {
                    w.join(30_000);
                }
                t.line("results", results);
            }
        });
        c.add("many/virtual-threads-100-children", t -> {
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<String>> fs = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    int k = i;
                    fs.add(ex.submit(() -> {
                        Process p = t.track(new ProcessBuilder("sh", "-c", "read x; echo \"$x-" + k + "\"; exit " + (k % 7)).start());
                        try (var w = p.outputWriter()) {
                            w.write("v\n");
                        }
                        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                        return out + "/" + p.waitFor();
                    }));
                }
                List<String> results = new ArrayList<>();
                for (Future<String> f : fs) {
                    results.add(f.get());
                }
                t.line("results", results);
            }
        });
        c.add("many/platform-threads-8x50-children", t -> {
            AtomicInteger ok = new AtomicInteger();
            List<String> odd = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int k = i;
                ts.add(Thread.ofPlatform().start(() -> {
                    for (int j = 0; j < 50; j++) {
                        try {
                            Process p = t.track(new ProcessBuilder("printf", k + "." + j).start());
                            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                            if (out.equals(k + "." + j) && p.waitFor() == 0) {
                                ok.incrementAndGet();
                            } else {
                                odd.add(out);
                            }
                        } catch (Exception e) {
                            odd.add(t.describe(e));
                        }
                    }
                }));
            }
            for (Thread th : ts) {
                th.join();
            }
            t.line("ok", ok.get());
            t.line("odd", odd);
        });
        c.add("many/2000-true-in-a-loop", t -> {
            int zero = 0;
            List<String> other = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                Process p = new ProcessBuilder("/bin/true").start();
                Transcript.STARTED.incrementAndGet();
                int code = p.waitFor();
                if (code == 0) {
                    zero++;
                } else {
                    other.add(i + ":" + code);
                }
            }
            t.line("exited 0", zero);
            t.line("other", other);
        });
        c.add("many/500-true-discarding-streams", t -> {
            int zero = 0;
            ProcessBuilder pb = new ProcessBuilder("true").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            for (int i = 0; i < 500; i++) {
                Process p = pb.start();
                Transcript.STARTED.incrementAndGet();
                zero += p.waitFor() == 0 ? 1 : 0;
            }
            t.line("exited 0", zero);
        });
        c.add("many/200-alive-at-once", t -> {
            List<Process> ps = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                ps.add(t.track(new ProcessBuilder("sh", "-c", "read x; exit " + (i % 5)).start()));
            }
            long alive = ps.stream().filter(Process::isAlive).count();
            t.line("alive", alive);
            t.line("children of this JVM include all", ps.stream().allMatch(p -> ProcessHandle.current().children()
                .anyMatch(h -> h.pid() == p.pid())));
            for (Process p : ps) {
                p.getOutputStream().close();
            }
            int sum = 0;
            for (Process p : ps) {
                sum += p.waitFor();
            }
            t.line("sum of exit codes", sum);
        });
        c.add("many/300-children-in-virtual-threads-no-streams-read", t -> {
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Integer>> fs = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    int k = i;
                    fs.add(ex.submit(() -> t.track(new ProcessBuilder("sh", "-c", "exit " + (k % 3)).start()).waitFor()));
                }
                int[] counts = new int[3];
                for (Future<Integer> f : fs) {
                    counts[f.get()]++;
                }
                t.line("counts", java.util.Arrays.toString(counts));
            }
        });
        c.add("many/onExit-chains-200", t -> {
            List<java.util.concurrent.CompletableFuture<Integer>> fs = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                Process p = t.track(new ProcessBuilder("sh", "-c", "exit " + (i % 4)).start());
                fs.add(p.onExit().thenApply(Process::exitValue));
            }
            int sum = 0;
            for (var f : fs) {
                sum += f.get(30, TimeUnit.SECONDS);
            }
            t.line("sum", sum);
        });
    }
}
