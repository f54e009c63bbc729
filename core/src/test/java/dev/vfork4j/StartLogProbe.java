package dev.vfork4j;

import java.lang.System.Logger;
import java.util.ResourceBundle;

/**
 * Main class for a disposable JVM of {@link StartLogTest}, run with {@link Finder} installed as
 * the JVM's LoggerFinder: the JVM's first start, one fact per line ({@code key=value}). The
 * finder says on which thread it was asked for the logger; its loggers are loggable at DEBUG
 * and print each record.
 */
public final class StartLogProbe {
    private StartLogProbe() {}

    public static void main(String[] args) throws Exception {
        Command c = Command.of("true");
        if (args.length > 0) {
            c = c.mechanism(Mechanism.valueOf(args[0]));
        }
        try {
            Child child = c.start();
            System.out.println("started=" + child.pid());
            child.waitFor();
        } catch (Throwable t) {
            System.out.println("failure=" + t);
        }
        System.out.println("children=" + ProcessHandle.current().children().count());
    }

    /** The LoggerFinder: asked on which thread, and throwing when the system property says so. */
    public static final class Finder extends System.LoggerFinder {
        /** Made by the JVM's ServiceLoader. */
        public Finder() {}

        @Override
        public Logger getLogger(String name, Module module) {
            System.out.println("lookupThread=" + Thread.currentThread().getName());
            if (Boolean.getBoolean("startlog.throw")) {
                throw new IllegalStateException("this LoggerFinder is broken");
            }
            return new Logger() {
                @Override
                public String getName() {
                    return name;
                }

                @Override
                public boolean isLoggable(Level level) {
                    return level.getSeverity() >= Level.DEBUG.getSeverity() && level != Level.TRACE;
                }

                @Override
                public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
                    System.out.println("record=" + level + " " + msg + " on " + Thread.currentThread().getName());
                }

                @Override
                public void log(Level level, ResourceBundle bundle, String format, Object... params) {
                    System.out.println("record=" + level + " " + format);
                }
            };
        }
    }
}
