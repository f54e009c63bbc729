/**
 * vfork4j: child processes created the vfork way, on the Foreign Function &amp; Memory API.
 * Only {@code dev.vfork4j} is exported; the native bindings, launchers and event loop are internal.
 */
module dev.vfork4j {
    exports dev.vfork4j;
}
