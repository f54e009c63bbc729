package dev.vfork4j.agent;

import java.lang.instrument.Instrumentation;

/** An agent that starts a child in its premain: java.lang.ProcessImpl is loaded before vfork4j's agent runs. */
public final class SpawningAgent {
    private SpawningAgent() {}

    public static void premain(String args, Instrumentation inst) throws Exception {
        System.out.println("other agent exit " + new ProcessBuilder("true").start().waitFor());
    }
}
