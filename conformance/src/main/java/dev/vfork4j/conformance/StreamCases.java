package dev.vfork4j.conformance;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The three streams of a Process: their buffering, reading after the child exited (the JDK
 * drains what is left) and after destroy, closing each twice, writing after close, SIGPIPE,
 * bounds checks, and the readers and writers with their charsets.
 */
final class StreamCases {

    private StreamCases() {}

    static void register(Cases c) {
        c.add("streams/types", t -> {
            Process p = t.start("cat", new ProcessBuilder("cat"));
            if (p != null) {
                t.line("stdin is BufferedOutputStream", p.getOutputStream() instanceof BufferedOutputStream);
                t.line("stdout is BufferedInputStream", p.getInputStream() instanceof BufferedInputStream);
                t.line("stderr is BufferedInputStream", p.getErrorStream() instanceof BufferedInputStream);
                t.line("stdout markSupported", p.getInputStream().markSupported());
                t.line("same stdin each time", p.getOutputStream() == p.getOutputStream());
                t.line("same stdout each time", p.getInputStream() == p.getInputStream());
                p.getOutputStream().close();
                t.exit("cat", p);
            }
        });
        c.add("streams/class-names", t -> {
            Process p = t.start("cat", new ProcessBuilder("cat"));
            if (p != null) {
                t.line("process", p.getClass().getName());
                t.line("stdin", p.getOutputStream().getClass().getName());
                t.line("stdout", p.getInputStream().getClass().getName());
                t.line("handle", p.toHandle().getClass().getName());
                p.getOutputStream().close();
                t.exit("cat", p);
            }
            Process q = t.start("true", new ProcessBuilder("true").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.INHERIT));
            if (q != null) {
                t.line("null stdin", q.getOutputStream().getClass().getName());
                t.line("null stdout", q.getInputStream().getClass().getName());
                t.exit("true", q);
            }
        });
        c.add("streams/stdin-is-buffered-until-flush", t -> {
            Process p = t.start("cat", new ProcessBuilder("cat"));
            if (p != null) {
                p.getOutputStream().write("x".getBytes(StandardCharsets.UTF_8));
                Thread.sleep(200);
                t.line("available before flush", p.getInputStream().available());
                p.getOutputStream().flush();
                t.line("read after flush", p.getInputStream().read());
                p.getOutputStream().close();
                t.exit("cat", p);
            }
        });
        c.add("streams/echo-roundtrip-1MiB", t -> {
            Process p = t.start("cat", new ProcessBuilder("cat"));
            if (p != null) {
                byte[] data = new byte[1 << 20];
                for (int i = 0; i < data.length; i++) {
                    data[i] = (byte) (i * 31 + (i >> 9));
                }
                Thread writer = Thread.ofPlatform().start(() -> {
                    try (OutputStream out = p.getOutputStream()) {
                        out.write(data);
                    } catch (IOException e) {
                        t.line("write threw", t.describe(e));
                    }
                });
                byte[] back = p.getInputStream().readAllBytes();
                writer.join();
                t.line("same bytes", java.util.Arrays.equals(data, back));
                t.exit("cat", p);
            }
        });
        c.add("streams/read-after-exit-is-drained", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "printf 'out-after'; printf 'err-after' >&2"));
            if (p != null) {
                t.exit("sh", p);
                Thread.sleep(100);
                t.drain("stdout", p.getInputStream());
                t.drain("stderr", p.getErrorStream());
            }
        });
        c.add("streams/read-after-exit-60000-bytes", t -> {
            Process p = t.start("head", new ProcessBuilder("head", "-c", "60000", "/dev/zero"));
            if (p != null) {
                t.exit("head", p);
                Thread.sleep(100);
                t.line("available", p.getInputStream().available());
                t.line("bytes", p.getInputStream().readAllBytes().length);
                t.line("then", p.getInputStream().read());
            }
        });
        c.add("streams/read-after-exit-while-grandchild-holds-the-pipe", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "printf before; (sleep 1; printf late) & exit 0"));
            if (p != null) {
                t.exit("sh", p);
                Thread.sleep(100);
                t.drain("stdout", p.getInputStream());
            }
        });
        c.add("streams/available-after-exit", t -> {
            Process p = t.start("printf", new ProcessBuilder("printf", "12345"));
            if (p != null) {
                t.exit("printf", p);
                Thread.sleep(100);
                t.line("available", p.getInputStream().available());
                t.line("read", p.getInputStream().read());
                t.line("available", p.getInputStream().available());
            }
        });
        c.add("streams/read-after-destroy", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "echo ready; exec sleep 30"));
            if (p != null) {
                BufferedReader r = p.inputReader();
                t.line("first line", r.readLine());
                p.destroy();
                t.exit("sh", p);
                Thread.sleep(100);
                t.line("read after destroy", attempt(t, () -> r.readLine()));
                t.line("stdout read after destroy", attempt(t, () -> p.getInputStream().read()));
                t.line("stderr read after destroy", attempt(t, () -> p.getErrorStream().read()));
                t.line("stdin write after destroy", attempt(t, () -> {
                    p.getOutputStream().write(1);
                    p.getOutputStream().flush();
                    return "ok";
                }));
            }
        });
        c.add("streams/unread-output-lost-by-destroy", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "echo line1; echo line2; exec sleep 30"));
            if (p != null) {
                t.line("first byte", p.getInputStream().read());
                p.destroy();
                t.exit("sh", p);
                t.line("rest", attempt(t, () -> p.getInputStream().readAllBytes().length));
            }
        });
        c.add("streams/destroy-with-trap-writes-during-term", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "trap 'echo got-term; exit 3' TERM; echo ready; "
                + "while :; do sleep 0.05; done"));
            if (p != null) {
                BufferedReader r = p.inputReader();
                t.line("first line", r.readLine());
                p.destroy();
                t.exit("sh", p);
                t.line("read after destroy", attempt(t, r::readLine));
            }
        });
        c.add("streams/close-each-twice", t -> {
            Process p = t.start("cat", new ProcessBuilder("cat"));
            if (p != null) {
                for (int i = 0; i < 2; i++) {
                    t.line("stdin close " + i, attempt(t, () -> {
                        p.getOutputStream().close();
                        return "ok";
                    }));
                    t.line("stdout close " + i, attempt(t, () -> {
                        p.getInputStream().close();
                        return "ok";
                    }));
                    t.line("stderr close " + i, attempt(t, () -> {
                        p.getErrorStream().close();
                        return "ok";
                    }));
                }
                t.exit("cat", p);
                Thread.sleep(100);
                t.line("stdout read after close", attempt(t, () -> p.getInputStream().read()));
                t.line("stdout available after close", attempt(t, () -> p.getInputStream().available()));
                t.line("stdin write after close", attempt(t, () -> {
                    p.getOutputStream().write(1);
                    return "ok";
                }));
                t.line("stdin flush after close", attempt(t, () -> {
                    p.getOutputStream().flush();
                    return "ok";
                }));
            }
        });
        c.add("streams/close-stdin-then-waitFor", t -> {
            Process p = t.start("cat", new ProcessBuilder("sh", "-c", "cat; echo done"));
            if (p != null) {
                p.getOutputStream().write("abc\n".getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
                t.exit("cat", p);
                t.drain("stdout", p.getInputStream());
            }
        });
        c.add("streams/write-to-stdin-after-exit", t -> {
            Process p = t.start("true", new ProcessBuilder("true"));
            if (p != null) {
                t.exit("true", p);
                Thread.sleep(100);
                OutputStream in = p.getOutputStream();
                in.write(new byte[10]);
                t.line("small write buffered", "ok");
                t.line("flush", attemptClass(() -> {
                    in.flush();
                    return "ok";
                }));
            }
        });
        c.add("streams/write-large-to-stdin-of-exited-child", t -> {
            Process p = t.start("true", new ProcessBuilder("head", "-c", "1"));
            if (p != null) {
                t.line("write 1 MiB", attemptClass(() -> {
                    p.getOutputStream().write(new byte[1 << 20]);
                    p.getOutputStream().flush();
                    return "ok";
                }));
                t.exit("head", p);
            }
        });
        c.add("streams/closing-stdout-gives-the-child-SIGPIPE", t -> {
            Process p = t.start("yes", new ProcessBuilder("yes"));
            if (p != null) {
                t.line("first byte", p.getInputStream().read());
                p.getInputStream().close();
                t.exit("yes", p);
            }
        });
        c.add("streams/closing-stderr-gives-the-child-SIGPIPE", t -> {
            Process p = t.start("yes", new ProcessBuilder("sh", "-c", "yes >&2"));
            if (p != null) {
                t.line("first byte", p.getErrorStream().read());
                p.getErrorStream().close();
                t.exit("yes", p);
            }
        });
        c.add("streams/bounds-and-nulls", t -> {
            Process p = t.start("printf", new ProcessBuilder("printf", "abcdef"));
            if (p != null) {
                InputStream in = p.getInputStream();
                t.line("read(null)", attempt(t, () -> in.read(null)));
                t.line("read(b,-1,1)", attempt(t, () -> in.read(new byte[4], -1, 1)));
                t.line("read(b,0,5)", attempt(t, () -> in.read(new byte[4], 0, 5)));
                t.line("read(b,0,0)", attempt(t, () -> in.read(new byte[4], 0, 0)));
                t.line("skip(2)", attempt(t, () -> in.skip(2)));
                t.line("skip(-1)", attempt(t, () -> in.skip(-1)));
                t.line("readNBytes(2)", attempt(t, () -> new String(in.readNBytes(2), StandardCharsets.UTF_8)));
                t.line("rest", attempt(t, () -> new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                t.line("write(null)", attempt(t, () -> {
                    p.getOutputStream().write(null);
                    return "ok";
                }));
                t.line("write(b,2,5)", attempt(t, () -> {
                    p.getOutputStream().write(new byte[4], 2, 5);
                    return "ok";
                }));
                t.exit("printf", p);
            }
        });
        c.add("streams/mark-and-reset", t -> {
            Process p = t.start("printf", new ProcessBuilder("printf", "abcdef"));
            if (p != null) {
                InputStream in = p.getInputStream();
                t.line("mark", attempt(t, () -> {
                    in.mark(10);
                    return "ok";
                }));
                t.line("read 3", attempt(t, () -> new String(in.readNBytes(3), StandardCharsets.UTF_8)));
                t.line("reset", attempt(t, () -> {
                    in.reset();
                    return "ok";
                }));
                t.line("all", attempt(t, () -> new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                t.exit("printf", p);
            }
        });
        c.add("streams/transferTo", t -> {
            Process p = t.start("seq", new ProcessBuilder("seq", "1", "10000"));
            if (p != null) {
                java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
                t.line("transferred", p.getInputStream().transferTo(sink));
                t.line("lines", sink.toString(StandardCharsets.UTF_8).lines().count());
                t.exit("seq", p);
            }
        });
        c.add("streams/byte-by-byte-read-of-binary", t -> {
            Process p = t.start("printf", new ProcessBuilder("printf", "\\000\\001\\177\\200\\377"));
            if (p != null) {
                List<Integer> bytes = new ArrayList<>();
                for (int b; (b = p.getInputStream().read()) != -1;) {
                    bytes.add(b);
                }
                t.line("bytes", bytes);
                t.exit("printf", p);
            }
        });
        c.add("streams/stderr-and-stdout-separate", t -> {
            ProgramCases.runAndShow(t, new ProcessBuilder("sh", "-c", "echo o1; echo e1 >&2; echo o2; echo e2 >&2"));
        });
        c.add("streams/merged-order-kept", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "echo o1; echo e1 >&2; echo o2; echo e2 >&2")
                .redirectErrorStream(true));
            if (p != null) {
                t.drain("merged", p.getInputStream());
                t.line("error stream read", p.getErrorStream().read());
                t.line("error stream available", p.getErrorStream().available());
                t.exit("sh", p);
            }
        });
        c.add("streams/big-stderr-with-stdout-unread-first", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "head -c 200000 /dev/zero >&2; echo out"));
            if (p != null) {
                t.line("stderr bytes", p.getErrorStream().readAllBytes().length);
                t.drain("stdout", p.getInputStream());
                t.exit("sh", p);
            }
        });
        for (String cs : new String[] {"UTF-8", "ISO-8859-1", "UTF-16", "US-ASCII", "UTF-16LE"}) {
            c.add("streams/inputReader-" + cs, t -> {
                Process p = t.start("printf", new ProcessBuilder("printf", "h\\303\\251\\377llo\\n\\342\\202\\254 line2"));
                if (p != null) {
                    try (BufferedReader r = p.inputReader(Charset.forName(cs))) {
                        t.line("lines", r.lines().map(Transcript::quote).toList());
                    }
                    t.exit("printf", p);
                }
            });
            c.add("streams/outputWriter-" + cs, t -> {
                Process p = t.start("od", new ProcessBuilder("od", "-An", "-tx1"));
                if (p != null) {
                    try (BufferedWriter w = p.outputWriter(Charset.forName(cs))) {
                        w.write("é€x\n");
                    }
                    t.drain("od", p.getInputStream());
                    t.exit("od", p);
                }
            });
            c.add("streams/errorReader-" + cs, t -> {
                Process p = t.start("printf", new ProcessBuilder("sh", "-c", "printf 'err \\303\\251\\n' >&2"));
                if (p != null) {
                    t.line("lines", p.errorReader(Charset.forName(cs)).lines().map(Transcript::quote).toList());
                    t.exit("sh", p);
                }
            });
        }
        c.add("streams/reader-writer-identity-and-charset-conflicts", t -> {
            Process p = t.start("cat", new ProcessBuilder("cat"));
            if (p != null) {
                t.line("inputReader same", p.inputReader() == p.inputReader());
                t.line("inputReader(default charset) same", attempt(t, () -> p.inputReader() == p.inputReader(
                    Charset.forName(System.getProperty("stdout.encoding", "UTF-8")))));
                t.line("inputReader(other charset)", attempt(t, () -> p.inputReader(StandardCharsets.UTF_16BE)));
                t.line("errorReader same", p.errorReader() == p.errorReader());
                t.line("errorReader(other charset)", attempt(t, () -> p.errorReader(StandardCharsets.UTF_16BE)));
                t.line("outputWriter same", p.outputWriter() == p.outputWriter());
                t.line("outputWriter(other charset)", attempt(t, () -> p.outputWriter(StandardCharsets.UTF_16BE)));
                t.line("inputReader(null)", attempt(t, () -> p.inputReader(null)));
                t.line("outputWriter(null)", attempt(t, () -> p.outputWriter(null)));
                p.getOutputStream().close();
                t.exit("cat", p);
            }
        });
        c.add("streams/readers-of-null-streams", t -> {
            Process p = t.start("true", new ProcessBuilder("true").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))));
            if (p != null) {
                t.line("inputReader line", p.inputReader().readLine());
                t.line("errorReader line", p.errorReader().readLine());
                t.line("outputWriter write+flush", attempt(t, () -> {
                    p.outputWriter().write("x");
                    p.outputWriter().flush();
                    return "ok";
                }));
                t.line("stdin close", attempt(t, () -> {
                    p.getOutputStream().close();
                    return "ok";
                }));
                t.line("stdout available", p.getInputStream().available());
                t.line("stdout read(b)", p.getInputStream().read(new byte[3]));
                t.line("stdout skip", p.getInputStream().skip(5));
                t.exit("true", p);
            }
        });
        c.add("streams/available-while-the-child-runs", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "printf hello; read x"));
            if (p != null) {
                for (int i = 0; i < 300 && p.getInputStream().available() < 5; i++) {
                    Thread.sleep(10);
                }
                t.line("available", p.getInputStream().available());
                t.line("read(b) returns what is there", p.getInputStream().read(new byte[100]));
                p.getOutputStream().close();
                t.exit("sh", p);
            }
        });
        c.add("streams/read-returns-what-arrived", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "printf ab; sleep 0.5; printf cd"));
            if (p != null) {
                byte[] b = new byte[10];
                t.line("first read", p.getInputStream().read(b));
                t.line("second read", p.getInputStream().read(b));
                t.line("third read", p.getInputStream().read(b));
                t.exit("sh", p);
            }
        });
        c.add("streams/child-closes-stdout-and-stderr-early", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "exec 1>&- 2>&-; sleep 0.3; exit 5"));
            if (p != null) {
                t.line("stdout read while alive", p.getInputStream().read());
                t.line("stderr read while alive", p.getErrorStream().read());
                t.line("alive", p.isAlive());
                t.exit("sh", p);
            }
        });
        c.add("streams/inputReader-after-partial-stream-read", t -> {
            Process p = t.start("printf", new ProcessBuilder("printf", "abcdef\nsecond\n"));
            if (p != null) {
                t.line("two bytes", new String(p.getInputStream().readNBytes(2), StandardCharsets.UTF_8));
                t.line("line", p.inputReader().readLine());
                t.line("line", p.inputReader().readLine());
                t.line("line", p.inputReader().readLine());
                t.exit("printf", p);
            }
        });
        // The JDK's stdin says "Stream Closed" (FileOutputStream's text) while the child runs and
        // "Stream closed" (its null stream's) once the exit replaced the pipe: the child here
        // never reads, so each write comes at a known moment.
        c.add("streams/outputWriter-after-stdin-closed-while-the-child-runs", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                p.getOutputStream().close();
                t.line("write+flush", attempt(t, () -> {
                    p.outputWriter().write("late");
                    p.outputWriter().flush();
                    return "ok";
                }));
                p.destroy();
                t.exit("sleep", p);
            }
        });
        c.add("streams/outputWriter-after-stdin-closed-and-the-exit", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "0.1"));
            if (p != null) {
                p.getOutputStream().close();
                t.exit("sleep", p);
                Thread.sleep(100);
                t.line("write+flush", attempt(t, () -> {
                    p.outputWriter().write("late");
                    p.outputWriter().flush();
                    return "ok";
                }));
            }
        });
        c.add("streams/stdin-write-while-the-child-runs-after-close", t -> {
            Process p = t.start("sleep", new ProcessBuilder("sleep", "30"));
            if (p != null) {
                p.getOutputStream().close();
                t.line("write", attempt(t, () -> {
                    p.getOutputStream().write(1);
                    return "ok";
                }));
                t.line("flush", attempt(t, () -> {
                    p.getOutputStream().flush();
                    return "ok";
                }));
                t.line("write 10000", attempt(t, () -> {
                    p.getOutputStream().write(new byte[10000]);
                    return "ok";
                }));
                p.destroy();
                t.exit("sleep", p);
            }
        });
        c.add("streams/waitFor-does-not-wait-for-a-grandchild-holding-the-pipes", t -> {
            Process p = t.start("sh", new ProcessBuilder("sh", "-c", "sleep 5 & exit 3"));
            if (p != null) {
                t.line("exited within 3 s", p.waitFor(3, TimeUnit.SECONDS));
                t.line("onExit within 3 s", p.onExit().thenApply(Process::exitValue).get(3, TimeUnit.SECONDS));
                t.line("exitValue", p.exitValue());
                for (ProcessHandle h : ProcessHandle.current().children().toList()) {
                    if (h.info().commandLine().orElse("").endsWith("sleep 5")) {
                        h.destroyForcibly();
                    }
                }
            }
        });
        c.add("streams/waitFor-while-child-blocks-on-full-pipe", t -> {
            Process p = t.start("head", new ProcessBuilder("head", "-c", "300000", "/dev/zero"));
            if (p != null) {
                t.line("exited within 500 ms without reading", p.waitFor(500, TimeUnit.MILLISECONDS));
                t.line("bytes", p.getInputStream().readAllBytes().length);
                t.exit("head", p);
            }
        });
    }

    interface Op {
        Object call() throws Exception;
    }

    static String attempt(Transcript t, Op op) {
        try {
            Object v = op.call();
            return "returned " + (v instanceof String s ? Transcript.quote(s) : String.valueOf(v));
        } catch (Exception | Error e) {
            return "threw " + t.describe(e);
        }
    }

    /** Only the exception's class: its message depends on a race inside the JDK itself. */
    static String attemptClass(Op op) {
        try {
            return "returned " + op.call();
        } catch (Exception | Error e) {
            return "threw " + e.getClass().getName();
        }
    }
}
