package dev.vfork4j.cli.bench;

import java.io.PrintWriter;
import java.util.function.Consumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * {@code bench}'s progress bar on stderr, in steps: each worker JVM counts one step for
 * starting (pre-touching its heap, opening the fds, filling the ballast) and one per mechanism
 * it times, and each step is split in thousandths as the worker reports them.
 *
 * <p>On a terminal the bar is redrawn in place four times a second. Anywhere else (CI, a pipe,
 * a file, no tty at all) it is an ASCII line printed every {@link #PLAIN_INTERVAL_MILLIS} when
 * it moved, and once at the end: no carriage returns or escape sequences in a log, and no
 * terminal is probed.
 */
final class BenchProgress implements AutoCloseable {
    static final int STEP = 1000;
    static final int PLAIN_INTERVAL_MILLIS = 10_000;
    private static final int PLAIN_WIDTH = 120;
    private static final int MESSAGE_WIDTH = 46;

    private final ProgressBar bar;
    private long stepsDone;

    private BenchProgress(ProgressBar bar) {
        this.bar = bar;
    }

    /**
     * @param steps    every step of the run
     * @param terminal draw on the real stderr, which is a terminal; otherwise print plain lines to {@code err}
     */
    static BenchProgress start(long steps, boolean terminal, PrintWriter err) {
        ProgressBarBuilder builder = new ProgressBarBuilder()
            .setTaskName("bench")
            .setInitialMax(steps * STEP)
            .setUnit(" steps", STEP);
        if (terminal) {
            builder.setUpdateIntervalMillis(250);
        } else {
            builder.setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(PLAIN_INTERVAL_MILLIS)
                .setConsumer(new DelegatingProgressBarConsumer(new PlainLines(err), PLAIN_WIDTH));
        }
        return new BenchProgress(builder.build());
    }

    /**
     * Each rendering on a line of its own, but not the same line twice: on close, progressbar
     * 0.10.1 renders the final state once for the last step and once more for being closed.
     */
    private static final class PlainLines implements Consumer<String> {
        private final PrintWriter err;
        private String last;

        PlainLines(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void accept(String rendered) {
            String line = rendered.stripTrailing();
            if (!line.equals(last)) {
                err.println(line);
                err.flush();
                last = line;
            }
        }
    }

    /** The step under way, as the extra message: which cell, what it is doing. */
    void doing(String what) {
        // Padded: the library gives the bar whatever width the message leaves, and a bar whose
        // length changed with each message would be hard to read down a log.
        bar.setExtraMessage(String.format("%-" + MESSAGE_WIDTH + "s", what));
    }

    /** Part of the current step is done, in thousandths. */
    void within(int permille) {
        bar.stepTo(stepsDone * STEP + Math.min(STEP, Math.max(0, permille)));
    }

    /** The current step is done. */
    void stepDone() {
        stepsDone++;
        bar.stepTo(stepsDone * STEP);
    }

    /** Counts steps that will not run (a skipped mechanism) as done, so the bar still ends full. */
    void skip(long steps) {
        stepsDone += steps;
        bar.stepTo(stepsDone * STEP);
    }

    @Override
    public void close() {
        bar.close();
    }
}
