/** An application module that uses vfork4j from the module path: see ModulePathIT. */
module dev.vfork4j.smoke {
    requires dev.vfork4j;
}
