package dev.vfork4j;

/**
 * Main class for a disposable JVM of {@link PreloadTest}: a first start with the JDK mechanism
 * (no preloading), then one with VFORK; what {@link Preload} did after each, one fact per line.
 */
public final class PreloadProbe {
    private PreloadProbe() {}

    public static void main(String[] args) throws Exception {
        int jdk = Command.of("true").mechanism(Mechanism.JDK).run().exitValue();
        System.out.println("afterJdk=" + Preload.loaded + " by " + Preload.loadedBy + ", child " + jdk);
        int vfork = Command.of("true").mechanism(Mechanism.VFORK).run().exitValue();
        long end = System.nanoTime() + 5_000_000_000L;
        while (Preload.loaded < Preload.CLASSES.length && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        System.out.println("afterVfork=" + Preload.loaded + "/" + Preload.CLASSES.length + " by " + Preload.loadedBy
            + ", child " + vfork);
    }
}
