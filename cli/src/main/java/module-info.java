/**
 * The vfork4j command line: {@code run}, {@code doctor}, {@code bench} and {@code lab}.
 *
 * <p>It reads two of the library's internal packages, which the library exports to this module
 * alone: {@code dev.vfork4j.spawn} ({@code doctor}'s availability probes and kernel features,
 * the lab's {@code LabPlan}) and {@code dev.vfork4j.linux} (the bindings the lab's probes call).
 * It makes native calls of its own (the lab's glibc functions), so on the module path it runs
 * with {@code --enable-native-access=dev.vfork4j,dev.vfork4j.cli}.
 */
module dev.vfork4j.cli {
    requires dev.vfork4j;
    // bench's workers and the lab's parent-size probe: a JVM as large as its heap
    requires dev.vfork4j.ballast;
    requires info.picocli;
    requires me.tongfei.progressbar;
    requires org.knowm.xchart;
    // XChart draws with AWT and bench writes its PNG through ImageIO; XChart, an automatic
    // module, would not bring java.desktop into the module graph itself.
    requires java.desktop;
    // sun.misc.Signal: run passes SIGHUP, SIGINT and SIGTERM on to its program.
    requires jdk.unsupported;

    // picocli builds the commands from their annotations, setting @Option fields by reflection.
    opens dev.vfork4j.cli to info.picocli;
    opens dev.vfork4j.cli.bench to info.picocli;
}
