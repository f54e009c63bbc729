/**
 * vfork4j: child processes created the vfork way, on the Foreign Function &amp; Memory API.
 * Only {@link dev.vfork4j} is exported to every module. The native bindings, launchers and
 * event loop are internal; two of those packages are shared with vfork4j's own command line
 * alone (qualified exports), for what only it shows: {@code doctor}'s availability probes and
 * kernel features, the lab's plans ({@code LabPlan}) and the bindings its probes call.
 * The module makes native calls: start the JVM with {@code --enable-native-access=dev.vfork4j}
 * (see {@linkplain dev.vfork4j##native-access native access} for what happens without it).
 */
@SuppressWarnings("module") // dev.vfork4j.cli is built after this module: "module not found" here
module dev.vfork4j {
    exports dev.vfork4j;
    exports dev.vfork4j.linux to dev.vfork4j.cli;
    exports dev.vfork4j.spawn to dev.vfork4j.cli;
}
