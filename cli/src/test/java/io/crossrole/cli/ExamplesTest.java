package io.crossrole.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.grant.GrantImages;
import io.crossrole.grant.GrantParser;
import io.crossrole.grant.GrantValidation;
import io.crossrole.grant.Limits;
import io.crossrole.grant.Problem;
import io.crossrole.model.Partition;
import io.crossrole.testing.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The grant files in examples/ are what README says they are. */
class ExamplesTest {
    private static final GrantParser PARSER = new GrantParser(Partition.AWS, Limits.DEFAULT);

    static Stream<Path> validExamples() throws Exception {
        try (Stream<Path> files = Files.list(TestFiles.repoRoot().resolve("examples"))) {
            return files.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().startsWith("invalid")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("validExamples")
    void example_isAValidGrant(Path file) throws Exception {
        GrantValidation v = PARSER.parse(GrantImages.fromJson(Files.readString(file)));

        assertThat(v.problems()).as(file.getFileName().toString()).isEmpty();
    }

    @Test
    void examples_coverTheSeedsScenarios() throws Exception {
        assertThat(validExamples().map(p -> p.getFileName().toString()).toList())
                .contains("dev-to-prod-updateapp.json", "third-party-auditor.json", "org-wide-audit.json")
                .anyMatch(n -> n.startsWith("one-grantee-many-owners"));
    }

    @Test
    void invalidExample_isRefusedNamingEachWrongField() throws Exception {
        GrantValidation v = PARSER.parse(GrantImages.fromJson(Files.readString(TestFiles.repoRoot().resolve("examples/invalid-grant.json"))));

        List<String> fields = v.problems().stream().map(Problem::field).toList();
        assertThat(fields).hasSizeGreaterThanOrEqualTo(5);
        assertThat(String.join(" ", v.problems().stream().map(Problem::toString).toList()))
                .contains("groups cannot be principals").contains("wildcards are not allowed").contains("maxSessionDuration")
                .contains("aws: prefix is reserved");
    }
}
