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
    void unknownSubcommandIsAOneLineUsageErrorNamingTheValidOnes() {
        Invocation r = Invocation.execute("frob");
        assertThat(r.code()).isEqualTo(CommandLine.ExitCode.USAGE).isEqualTo(2);
        assertThat(r.err()).isEqualTo("""
            vfork4j: unknown subcommand 'frob'; the subcommands are run, doctor, bench, lab and help
            Try 'vfork4j --help'.
            """);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void misspeltSubcommandGetsASuggestion() {
        Invocation r = Invocation.execute("runn");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Did you mean", "run").endsWith("Try 'vfork4j --help'.\n");
    }

    @Test
    void unknownOptionIsOneLineAndAHintNotTheWholeHelp() {
        Invocation r = Invocation.execute("--frob");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("vfork4j: unknown option '--frob'\nTry 'vfork4j --help'.\n");
    }

    @Test
    void aSubcommandsUnknownOptionPointsAtThatSubcommandsHelp() {
        // Alone, `run --foo` is also missing its program; the unknown option is what to report.
        for (String[] args : new String[][] {{"run", "--foo"}, {"run", "--foo", "--", "true"}}) {
            Invocation r = Invocation.execute(args);
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).isEqualTo("vfork4j: unknown option '--foo'\nTry 'vfork4j run --help'.\n");
            assertThat(r.out()).isEmpty();
        }
    }

    @Test
    void badOptionValuesAreOneLineWithoutPicocliTypos() {
        Invocation r = Invocation.execute("run", "--env", "NOEQUALS", "--", "true");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).doesNotContain("option option").doesNotContain("Usage:")
            .matches("vfork4j: value for option '--env' \\(NAME=VALUE\\) [^\n]*NOEQUALS\nTry 'vfork4j run --help'.\n");
    }

    @Test
    void noSubcommandIsAUsageError() {
        Invocation r = Invocation.execute();
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("""
            vfork4j: a subcommand is needed: run, doctor, bench, lab or help
            Try 'vfork4j --help'.
            """);
    }

    @Test
    void helpSubcommandShowsASubcommandsHelp() {
        Invocation r = Invocation.execute("help", "run");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: vfork4j run", "--mechanism", "Exit codes:");
    }
}
