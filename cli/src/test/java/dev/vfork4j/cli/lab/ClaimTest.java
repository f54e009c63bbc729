package dev.vfork4j.cli.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The claims are quoted, not paraphrased, and their ids keep the contract. */
class ClaimTest {

    /**
     * The project's copies of the sources, beside the project in its working area (override
     * with -Dvfork4j.seeds=DIR); a clone has none, and the check is skipped there.
     */
    private static final Path SEEDS = Path.of(System.getProperty("vfork4j.seeds", "../../shared/seeds"));

    /** Which copy holds which source. */
    private static final Map<Claim.Source, String> COPIES = Map.of(
        Claim.Source.EXPLAINER, "000_6a81e0ef7c238cfe.txt",
        Claim.Source.LINUX_MAN_PAGE, "001_29c50ed3a0892efa.txt",
        Claim.Source.VFORK_EXEC_EXIT_QUESTION, "002_4668994f382106bf.txt",
        Claim.Source.NETBSD_MAN_PAGE, "003_7c5e2fc6fb5439f0.txt",
        Claim.Source.FORK_VS_VFORK_QUESTION, "004_87ac239ffbdee6ec.txt");

    /** Whitespace runs as one space, and a man page's hyphen at a line break ("pro-\n  cess") joined. */
    private static String normalized(String text) {
        return text.replaceAll("-\\n\\s+", "").replaceAll("\\s+", " ");
    }

    @Test
    void everyQuoteIsVerbatimInItsSource() throws Exception {
        assumeTrue(Files.isDirectory(SEEDS), "the copies of the sources are not at " + SEEDS.toAbsolutePath());
        for (Claim c : Claim.values()) {
            String copy = normalized(Files.readString(SEEDS.resolve(COPIES.get(c.source()))));
            assertThat(copy).as(c.id() + " in " + c.source().title()).contains(normalized(c.quote()));
        }
    }

    @Test
    void eachSourceIsTheDocumentItsCopyComesFrom() throws Exception {
        assumeTrue(Files.isDirectory(SEEDS), "the copies of the sources are not at " + SEEDS.toAbsolutePath());
        // What identifies each document inside the copy: its first line or its heading.
        Map<Claim.Source, String> marks = Map.of(
            Claim.Source.EXPLAINER, "`fork` on Linux protects the parent.",
            Claim.Source.LINUX_MAN_PAGE, "This page is part of release 5.10 of the Linux man-pages project.",
            Claim.Source.VFORK_EXEC_EXIT_QUESTION, "Why is vfork() intended to be used when the child process calls "
                + "exec() or exit() immediately after creation?",
            Claim.Source.NETBSD_MAN_PAGE, "The original semantics were reintroduced in NetBSD",
            Claim.Source.FORK_VS_VFORK_QUESTION, "What\u2019s the difference between fork() and vfork()?");
        for (Claim.Source s : Claim.Source.values()) {
            String copy = normalized(Files.readString(SEEDS.resolve(COPIES.get(s))));
            assertThat(copy).as(s.name()).contains(normalized(marks.get(s)));
        }
        // The explainer's copy ends with the link to it.
        String explainer = Files.readString(SEEDS.resolve(COPIES.get(Claim.Source.EXPLAINER)));
        assertThat(explainer).contains(Claim.Source.EXPLAINER.url().orElseThrow());
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
