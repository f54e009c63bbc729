package dev.vfork4j.cli.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The claims are quoted, not paraphrased, and their ids keep the contract. */
class ClaimTest {

    /** The seed documents beside the project (override with -Dvfork4j.seeds=DIR). */
    private static final Path SEEDS = Path.of(System.getProperty("vfork4j.seeds", "../../shared/seeds"));

    /** Whitespace runs as one space, and a man page's hyphen at a line break ("pro-\n  cess") joined. */
    private static String normalized(String text) {
        return text.replaceAll("-\\n\\s+", "").replaceAll("\\s+", " ");
    }

    @Test
    void everyQuoteIsVerbatimInItsSeed() throws Exception {
        assumeTrue(Files.isDirectory(SEEDS), "the seed documents are not at " + SEEDS.toAbsolutePath());
        for (Claim c : Claim.values()) {
            String seed = normalized(Files.readString(SEEDS.resolve(c.seed())));
            assertThat(seed).as(c.id() + " in " + c.seed()).contains(normalized(c.quote()));
        }
    }

    @Test
    void theContractIdsExistAndNoIdRepeats() {
        assertThat(Arrays.stream(Claim.values()).map(Claim::id)).doesNotHaveDuplicates()
            .contains("memory-sharing", "parent-suspended", "only-calling-thread-suspended", "fork-cost-vs-memory",
                "commit-charge", "exit-vs-_exit", "posix-spawn-is-vfork");
        assertThat(Claim.byId("memory-sharing")).isEqualTo(Claim.MEMORY_SHARING);
        assertThat(Claim.byId("nope")).isNull();
    }
}
