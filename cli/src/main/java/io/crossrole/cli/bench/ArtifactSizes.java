package io.crossrole.cli.bench;

import io.crossrole.cli.template.SamTemplate;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** Each function artifact's size: the zip, and how much of it is the function's own code. */
public final class ArtifactSizes {
    private ArtifactSizes() {
    }

    public static void print(Path repo, PrintStream out) throws IOException {
        SamTemplate template = SamTemplate.read(repo.resolve("template.yaml"));
        Set<String> seen = new LinkedHashSet<>();
        out.println("artifact sizes (the zips template.yaml deploys)");
        out.printf("%-44s %10s %6s %14s %s%n", "artifact", "zip KiB", "jars", "own code KiB", "functions");
        for (String fn : template.resourcesOfType("AWS::Serverless::Function")) {
            String codeUri = String.valueOf(template.functionProperty(fn, "CodeUri").orElseThrow());
            if (!seen.add(codeUri)) {
                continue;
            }
            Path zip = repo.resolve(codeUri);
            long jars = 0;
            long own = 0;
            try (ZipFile z = new ZipFile(zip.toFile())) {
                for (ZipEntry e : z.stream().toList()) {
                    if (e.getName().startsWith("lib/") && e.getName().endsWith(".jar")) {
                        jars++;
                        if (e.getName().startsWith("lib/crossrole-shared")) {
                            own += e.getCompressedSize();
                        }
                    } else if (!e.isDirectory()) {
                        own += e.getCompressedSize();
                    }
                }
            }
            String users = String.join(", ", template.resourcesOfType("AWS::Serverless::Function").stream()
                    .filter(f -> codeUri.equals(String.valueOf(template.functionProperty(f, "CodeUri").orElse("")))).toList());
            out.printf("%-44s %10d %6d %14d %s%n", codeUri, Files.size(zip) / 1024, jars, own / 1024, users);
        }
    }
}
