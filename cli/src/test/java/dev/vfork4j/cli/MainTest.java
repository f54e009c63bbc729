package dev.vfork4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {

    @Test
    void versionNamesTheCliTheLibraryAndTheJvm() {
        Invocation r = Invocation.execute("--version");
        assertThat(r.code()).isZero();
        assertThat(Version.cli()).as("the version Maven filtered in").isNotEqualTo(Version.UNKNOWN).doesNotContain("${");
        assertThat(r.out()).startsWith("vfork4j " + Version.cli() + " (library " + Version.library() + ")\n")
            .contains("Java " + Runtime.version());
        assertThat(r.err()).isEmpty();
    }

    @Test
    void helpListsTheSubcommands() {
        Invocation r = Invocation.execute("-h");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: vfork4j", "run", "doctor");
    }

    @Test
    void unknownSubcommandIsAUsageErrorThatListsTheValidOnes() {
        Invocation r = Invocation.execute("frob");
        assertThat(r.code()).isEqualTo(CommandLine.ExitCode.USAGE).isEqualTo(2);
        assertThat(r.err()).contains("Unmatched argument at index 0: 'frob'")
            .contains("Commands:", "  run ", "  doctor ");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void misspeltSubcommandGetsASuggestion() {
        Invocation r = Invocation.execute("runn");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Did you mean", "run");
    }

    @Test
    void unknownOptionIsAUsageError() {
        Invocation r = Invocation.execute("--frob");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown option: '--frob'");
    }

    @Test
    void noSubcommandIsAUsageError() {
        Invocation r = Invocation.execute();
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Missing required subcommand", "Usage: vfork4j");
    }

    @Test
    void helpSubcommandShowsASubcommandsHelp() {
        Invocation r = Invocation.execute("help", "run");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: vfork4j run", "--mechanism", "Exit codes:");
    }
}
