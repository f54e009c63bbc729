package dev.vfork4j.cli.lab;

/**
 * A count with its noun in the right number ("1 claim", "15 claims", "1 worker JVM"), for every
 * message of the CLI that states how many of something there are.
 */
public final class Plural {
    private Plural() {}

    /**
     * {@code n} and {@code singular}, with an "s" added unless {@code n} is 1.
     *
     * @param n        the count
     * @param singular the noun for one, such as "claim" or "worker JVM"
     * @return "1 claim", "0 claims", "15 claims"
     */
    public static String count(long n, String singular) {
        return count(n, singular, singular + "s");
    }

    /**
     * {@code n} and the noun in the form that goes with it.
     *
     * @param n        the count
     * @param singular the noun for one, such as "copy"
     * @param plural   the noun for any other count, such as "copies"
     * @return "1 copy", "2 copies"
     */
    public static String count(long n, String singular, String plural) {
        return n + " " + (n == 1 ? singular : plural);
    }
}
