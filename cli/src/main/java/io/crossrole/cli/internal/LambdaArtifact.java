package io.crossrole.cli.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Unpacks a Lambda deployment zip into a task root as Lambda does into {@code /var/task}: classes and
 * resources at the root, dependency jars under {@code lib/}.
 *
 * <pre>{@code
 * Path taskRoot = LambdaArtifact.extractToTemp(Path.of("functions/grant-stream/target/grant-stream.zip"));
 * }</pre>
 */
public final class LambdaArtifact {

    private LambdaArtifact() {
    }

    /**
     * Extracts {@code zip} into {@code targetDir}, creating it if needed, and returns the absolute target.
     *
     * @throws UncheckedIOException if the zip cannot be read, or one of its entries would land outside
     *                              {@code targetDir} (such as {@code ../evil} or {@code /etc/evil})
     */
    public static Path extract(Path zip, Path targetDir) {
        Path root = targetDir.toAbsolutePath().normalize();
        try (ZipFile file = new ZipFile(zip.toFile())) {
            Files.createDirectories(root);
            for (Enumeration<? extends ZipEntry> entries = file.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                Path target = root.resolve(entry.getName()).normalize();
                if (!target.startsWith(root)) {
                    throw new IOException("Zip entry escapes the target directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (InputStream in = file.getInputStream(entry)) {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot extract " + zip + ": " + e.getMessage(), e);
        }
        return root;
    }

    /** Extracts {@code zip} into a new temporary directory that is deleted when the JVM exits. */
    public static Path extractToTemp(Path zip) {
        Path dir;
        try {
            dir = Files.createTempDirectory("crossrole-task-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
        return extract(zip, dir);
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a leftover temp directory is harmless
        }
    }
}
