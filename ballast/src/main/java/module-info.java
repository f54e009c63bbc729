/**
 * What the CLI's {@code bench} and {@code lab} and the JMH benchmarks share to make a parent JVM
 * as large to the kernel as its heap. Not part of the vfork4j library.
 */
module dev.vfork4j.ballast {
    exports dev.vfork4j.ballast;
}
