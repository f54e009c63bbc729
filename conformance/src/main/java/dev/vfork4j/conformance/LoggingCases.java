package dev.vfork4j.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** JDK 25 logs each start to the System.Logger "java.lang.ProcessBuilder" (DEBUG, and TRACE with every argument). */
final class LoggingCases {

    private LoggingCases() {}

    static void register(Cases c) {
        for (Level level : new Level[] {Level.FINE, Level.FINEST, Level.INFO}) {
            c.add("logging/start-logged-at-" + level.getName(), t -> {
                logged(t, level, new ProcessBuilder("echo", "a b", "c").directory(t.dir().toFile()));
                logged(t, level, new ProcessBuilder("no-such-program-vfork4j", "x"));
            });
        }
        c.add("logging/pipeline-logged", t -> {
            List<String> records = new ArrayList<>();
            Logger logger = Logger.getLogger("java.lang.ProcessBuilder");
            Handler h = capture(t, records);
            Level old = logger.getLevel();
            logger.setLevel(Level.ALL);
            logger.addHandler(h);
            try {
                for (Process p : t.trackAll(ProcessBuilder.startPipeline(List.of(new ProcessBuilder("echo", "x"), new ProcessBuilder("cat"))))) {
                    p.waitFor();
                }
            } finally {
                logger.removeHandler(h);
                logger.setLevel(old);
            }
            records.forEach(t::line);
        });
    }

    private static void logged(Transcript t, Level level, ProcessBuilder pb) throws InterruptedException {
        List<String> records = new ArrayList<>();
        Logger logger = Logger.getLogger("java.lang.ProcessBuilder");
        Handler h = capture(t, records);
        Level old = logger.getLevel();
        logger.setLevel(level);
        logger.addHandler(h);
        Process p;
        try {
            p = t.start("child", pb);
        } finally {
            logger.removeHandler(h);
            logger.setLevel(old);
        }
        records.forEach(t::line);
        if (p != null) {
            t.exit("child", p);
        }
    }

    private static Handler capture(Transcript t, List<String> records) {
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                String msg = r.getMessage();
                if (r.getParameters() != null && msg != null) {
                    msg = java.text.MessageFormat.format(msg, r.getParameters());
                }
                String thrown = r.getThrown() == null ? "" : " thrown=" + t.describe(r.getThrown());
                synchronized (records) {
                    records.add("log " + r.getLevel() + " " + r.getLoggerName() + ": " + t.normalise(msg).replaceAll("\\b\\d{2,}\\b", "N")
                        + thrown);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        h.setLevel(Level.ALL);
        return h;
    }
}
