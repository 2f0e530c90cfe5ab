package io.crossrole.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the access report into a directory: {@code access-report.html} (self-contained), {@code access-report.csv}
 * and {@code access-report.json}.
 *
 * <pre>{@code
 * Path html = ReportFiles.write(report, Path.of("crossrole-report")).get(0);
 * }</pre>
 */
public final class ReportFiles {
    public static final String HTML = "access-report.html";
    public static final String CSV = "access-report.csv";
    public static final String JSON = "access-report.json";

    private ReportFiles() {
    }

    /** @return the files written: HTML, CSV, JSON */
    public static List<Path> write(AccessReport report, Path dir) {
        try {
            Files.createDirectories(dir);
            Path html = Files.writeString(dir.resolve(HTML), ReportHtml.render(report));
            Path csv = Files.writeString(dir.resolve(CSV), ReportCsv.render(report));
            Path json = Files.writeString(dir.resolve(JSON), ReportJson.render(report));
            return List.of(html, csv, json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the access report in " + dir + ": " + e.getMessage(), e);
        }
    }
}
