package dev.vfork4j.cli.lab;

/** What an experiment found about its claim, as {@code --json} spells it. */
public enum Verdict {
    /** The measurement agrees with the claim. */
    CONFIRMED("confirmed"),
    /** The measurement contradicts the claim on this machine. */
    REFUTED("refuted"),
    /** The claim cannot be measured here; {@code why} says why. */
    NOT_TESTABLE("not-testable");

    private final String json;

    Verdict(String json) {
        this.json = json;
    }

    /** The verdict's spelling in the lab's output. */
    public String json() {
        return json;
    }
}
