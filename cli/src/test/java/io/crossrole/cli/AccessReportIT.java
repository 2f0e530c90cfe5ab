package io.crossrole.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crossrole.producer.GrantStreamProducer;
import io.crossrole.reconcile.ReconcileWorker;
import io.crossrole.testing.AwsEmulatorExtension;
import io.crossrole.testing.Emulator;
import io.crossrole.testing.StreamRecords;
import io.crossrole.testing.TestCrossrole;
import io.crossrole.testing.TestFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * {@code crossrole report} on an organization with grants provisioned, one revoked, one refused by the guardrails, a
 * role used and one never used, after a drift run recorded the last uses; then the page in headless Chromium.
 */
@ExtendWith(AwsEmulatorExtension.class)
class AccessReportIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROD = "111111111111";
    private static final String SANDBOX = "012345678901";
    private static final String GRANTEES = "222222222222";
    private static final String AUDITORS = "333333333333";
    private static final String EXTERNAL_ID = "never-shown-3e1f";
    /** Where the browser test leaves its screenshot (README and docs show a copy: docs/images/access-report.png). */
    private static final Path SCREENSHOT = TestFiles.repoRoot().resolve("cli/target/screenshots/access-report.png");

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private TestCrossrole crossrole;
    private GrantStreamProducer stream;

    @BeforeEach
    void setUp(Emulator emulator) {
        emulator.reset();
        crossrole = new TestCrossrole(emulator, Map.of());
        stream = crossrole.producer("crossrole-grant-stream");
        try (IamClient iam = crossrole.observerIam(GRANTEES)) {
            iam.createGroup(r -> r.groupName("Developers"));
            iam.createGroup(r -> r.groupName("Testers"));
        }
        long inThreeDays = Instant.now().plus(Duration.ofDays(3)).getEpochSecond();
        provision("""
                {"grantId": "app-deploy", "roleName": "AppDeploy", "targets": ["%s", "%s"],
                 "trustedPrincipals": ["arn:aws:iam::%s:role/deployer"], "externalId": "%s", "requireMfa": true,
                 "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                 "inlinePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                   "Resource": "arn:aws:s3:::app/*"}]},
                 "granteeAttach": ["arn:aws:iam::%s:group/Developers"], "granteeDeny": ["arn:aws:iam::%s:group/Testers"],
                 "expiresAt": %d}""".formatted(PROD, SANDBOX, GRANTEES, EXTERNAL_ID, GRANTEES, GRANTEES, inThreeDays));
        provision("""
                {"grantId": "audit", "roleName": "Audit", "targets": ["%s"], "trustedPrincipals": ["%s"],
                 "managedPolicyArns": ["arn:aws:iam::aws:policy/SecurityAudit"]}""".formatted(PROD, AUDITORS));
        provision("""
                {"grantId": "admin", "roleName": "Admin", "targets": ["%s"], "trustedPrincipals": ["%s"],
                 "managedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}""".formatted(SANDBOX, GRANTEES));
        String temp = """
                {"grantId": "temp", "roleName": "Temp", "targets": ["%s"], "trustedPrincipals": ["%s"]}""".formatted(SANDBOX, GRANTEES);
        provision(temp);
        crossrole.deleteGrant("temp");
        assertThat(stream.process(StreamRecords.remove(temp)).getBatchItemFailures()).isEmpty();
        drain();
        crossrole.useRole("arn:aws:iam::" + PROD + ":role/crossrole-managed/AppDeploy");
        crossrole.driftRun(Clock.systemUTC()).scheduled();
    }

    @AfterEach
    void tearDown() {
        crossrole.close();
    }

    @Test
    void report_writesEveryGrantInEveryAccount_theMatrix_lastUses_andNoExternalId() throws Exception {
        assertThat(report()).as(err.toString()).isZero();

        assertThat(out.toString()).contains("access-report.html").contains("access-report.csv").contains("access-report.json")
                .contains("4 grant(s), 2 owner account(s), 2 grantee account(s)");
        JsonNode json = JSON.readTree(dir.resolve("access-report.json").toFile());
        assertThat(row(json, "app-deploy", PROD).path("lastUsed").asText()).as("used, and the drift run recorded it").isNotEmpty();
        assertThat(row(json, "app-deploy", PROD).path("unused").asBoolean()).isFalse();
        assertThat(row(json, "app-deploy", SANDBOX).path("unused").asBoolean()).as("never used").isTrue();
        assertThat(row(json, "app-deploy", PROD).path("expiringSoon").asBoolean()).isTrue();
        assertThat(row(json, "app-deploy", PROD).path("requireExternalId").asBoolean()).isTrue();
        assertThat(texts(row(json, "app-deploy", PROD).path("permissions")))
                .containsExactly("arn:aws:iam::aws:policy/ReadOnlyAccess", "s3:PutObject");
        assertThat(texts(row(json, "app-deploy", PROD).path("granteeAllow")))
                .containsExactly("arn:aws:iam::" + GRANTEES + ":group/Developers (PROVISIONED)");
        assertThat(texts(row(json, "app-deploy", PROD).path("granteeDeny")))
                .containsExactly("arn:aws:iam::" + GRANTEES + ":group/Testers (PROVISIONED)");
        assertThat(row(json, "audit", PROD).path("unused").asBoolean()).isTrue();
        assertThat(row(json, "admin", SANDBOX).path("status").asText()).isEqualTo("FAILED");
        assertThat(row(json, "admin", SANDBOX).path("message").asText()).contains("guardrail forbiddenManagedPolicies");
        assertThat(row(json, "temp", SANDBOX).path("status").asText()).isEqualTo("REVOKED");
        assertThat(json.path("matrix").path(GRANTEES).path(PROD).get(0).asText()).isEqualTo("app-deploy");
        assertThat(json.path("matrix").path(AUDITORS).path(PROD).get(0).asText()).isEqualTo("audit");
        assertThat(json.path("matrix").path(GRANTEES).has(SANDBOX)).as("app-deploy reaches it; admin was refused").isTrue();
        assertThat(json.path("matrix").path(GRANTEES).path(SANDBOX)).extracting(JsonNode::asText).containsExactly("app-deploy");

        String html = Files.readString(dir.resolve("access-report.html"));
        assertThat(html).contains("<svg id=\"reach\"").contains("id=\"matrix-table\"").contains("data-grant=\"admin\"")
                .doesNotContain("http://").doesNotContain("https://");
        List<String> csv = Files.readAllLines(dir.resolve("access-report.csv"));
        assertThat(csv).hasSize(json.path("rows").size() + 1);
        for (String file : List.of("access-report.html", "access-report.csv", "access-report.json")) {
            assertThat(Files.readString(dir.resolve(file))).as(file).doesNotContain(EXTERNAL_ID);
        }
    }

    @Test
    void reportPage_inHeadlessChromium_showsTheMatrix_andItsFiltersHideTheOtherRows() throws Exception {
        Path chromium = chromium();
        assertThat(report()).as(err.toString()).isZero();
        String page = dir.resolve("access-report.html").toUri().toString();

        String all = browser(chromium, "--dump-dom", page);
        assertThat(shownRows(all)).as("every row shown without a filter").hasSize(rows());
        assertThat(all).containsPattern("<tr data-owner=\"" + PROD + "\">.*?data-grantee=\"" + AUDITORS + "\"[^>]*class=\"reach\">"
                + "<span class=\"chip\">audit</span>");
        String filtered = browser(chromium, "--dump-dom", page + "#grant=audit");
        assertThat(shownRows(filtered)).as("the filter by grant, applied by the page's script").containsExactly("audit/" + PROD);
        assertThat(filtered).contains("1 of " + rows() + " rows shown");
        String failed = browser(chromium, "--dump-dom", page + "#status=FAILED");
        assertThat(shownRows(failed)).containsExactly("admin/" + SANDBOX);

        Files.createDirectories(SCREENSHOT.getParent());
        Files.deleteIfExists(SCREENSHOT);
        browser(chromium, "--screenshot=" + SCREENSHOT, "--window-size=1280,1500", "--hide-scrollbars", page);
        assertThat(SCREENSHOT).exists();
        byte[] png = Files.readAllBytes(SCREENSHOT);
        assertThat(png.length).as("a picture, not an empty page").isGreaterThan(20_000);
        assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    // ------------------------------------------------------------------ helpers

    private int report() {
        out.reset();
        err.reset();
        Map<String, String> env = new HashMap<>(crossrole.environment());
        return Crossrole.run(new String[] {"report", "--out", dir.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env);
    }

    private int rows() throws IOException {
        return JSON.readTree(dir.resolve("access-report.json").toFile()).path("rows").size();
    }

    private void provision(String json) {
        crossrole.putGrant(json);
        assertThat(stream.process(StreamRecords.insert(json)).getBatchItemFailures()).isEmpty();
        drain();
    }

    private void drain() {
        ReconcileWorker worker = crossrole.worker(Clock.systemUTC());
        crossrole.expressSource().drain(worker::consume);
        crossrole.bulkSource().drain(worker::consume);
    }

    private static JsonNode row(JsonNode report, String grantId, String owner) {
        for (JsonNode row : report.path("rows")) {
            if (row.path("grantId").asText().equals(grantId) && row.path("owner").asText().equals(owner)) {
                return row;
            }
        }
        throw new AssertionError("no row for " + grantId + " in " + owner + ": " + report.path("rows"));
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static final Pattern ROW = Pattern.compile("<tr data-grant=\"([^\"]*)\" data-owner=\"([^\"]*)\"[^>]*?>");

    /** The detail rows the page shows (grant/owner), from the DOM after its script ran. */
    private static List<String> shownRows(String dom) {
        List<String> shown = new ArrayList<>();
        Matcher m = ROW.matcher(dom);
        while (m.find()) {
            if (!m.group(0).contains(" hidden")) {
                shown.add(m.group(1) + "/" + m.group(2));
            }
        }
        return shown;
    }

    /** Debian's Chromium (cli/bin/ensure-chromium.sh installs it; `./crossrole test` runs that first). */
    private static Path chromium() {
        String configured = System.getenv("CROSSROLE_CHROMIUM");
        for (String candidate : new String[] {configured, "/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
            if (candidate != null && !candidate.isBlank() && Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("no Chromium for the browser test: cli/bin/ensure-chromium.sh installs Debian's chromium package");
        }
        assumeTrue(false, "no Chromium here (cli/bin/ensure-chromium.sh installs it); the browser test is skipped");
        return null;
    }

    /** Runs headless Chromium with the flags this machine's closed network needs; returns what it printed. */
    private String browser(Path chromium, String... args) throws Exception {
        Path profile = Files.createTempDirectory(dir, "chromium-profile");
        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile));
        command.addAll(List.of(args));
        Path output = dir.resolve("chromium-" + System.nanoTime() + ".out");
        Process p = new ProcessBuilder(command).redirectOutput(output.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("Chromium did not finish within 60 s: " + command);
        }
        assertThat(p.exitValue()).as("chromium %s", List.of(args)).isZero();
        return Files.readString(output);
    }
}
