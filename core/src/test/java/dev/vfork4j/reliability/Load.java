package dev.vfork4j.reliability;

/**
 * How hard the reliability group pushes: {@code ci} (the default, bounded so the whole group stays
 * within about two minutes on a 2-core machine) or {@code long}, chosen with
 * {@code -Dvfork4j.reliability=long}.
 */
final class Load {
    private Load() {}

    static final String MODE = System.getProperty("vfork4j.reliability", "ci");

    static boolean isLong() {
        return MODE.equals("long");
    }

    /** {@code ci} in the normal build, {@code longRun} under {@code -Dvfork4j.reliability=long}. */
    static int scale(int ci, int longRun) {
        return isLong() ? longRun : ci;
    }
}
