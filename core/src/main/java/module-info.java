/**
 * vfork4j: child processes created the vfork way, on the Foreign Function &amp; Memory API.
 * Only {@link dev.vfork4j} is exported; the native bindings, launchers and event loop are internal.
 * The module makes native calls: start the JVM with {@code --enable-native-access=dev.vfork4j}
 * (see {@linkplain dev.vfork4j##native-access native access} for what happens without it).
 */
module dev.vfork4j {
    exports dev.vfork4j;
}
