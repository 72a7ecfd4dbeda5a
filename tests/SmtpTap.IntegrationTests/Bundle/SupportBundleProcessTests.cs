using System.IO.Compression;
using System.Net;
using System.Text;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.IntegrationTests.Web;
using SmtpTap.Tests.Support;
using Xunit;

namespace SmtpTap.IntegrationTests.Bundle;

/// <summary>
/// The support bundle from the real process: <c>smtptap proxy --transcripts DIR --web 127.0.0.1:0</c> carries an AUTH
/// PLAIN session with a password canary and a message, then <c>smtptap bundle</c> on that folder and
/// <c>GET /api/sessions/{id}/bundle</c> must give zips with the expected entries and no trace of the canary.
/// </summary>
public sealed class SupportBundleProcessTests
{
    private static Dictionary<string, string> Entries(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return archive.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var reader = new StreamReader(e.Open(), Encoding.UTF8);
            return reader.ReadToEnd();
        });
    }

    private static void AssertBundle(Dictionary<string, string> entries, string id, string canary)
    {
        Assert.Contains("transcripts.jsonl", entries.Keys);
        Assert.Contains("smtptap.txt", entries.Keys);
        Assert.Contains("tap-log.txt", entries.Keys);
        var transcript = Assert.Single(entries, e => e.Key.StartsWith("transcripts/", StringComparison.Ordinal) && e.Key.EndsWith("-" + id + ".log", StringComparison.Ordinal)).Value;
        Assert.Contains("AUTH PLAIN", transcript, StringComparison.Ordinal);
        Assert.Contains("Session closed", transcript, StringComparison.Ordinal);
        Assert.Contains("\"session\":\"" + id + "\"", entries["transcripts.jsonl"], StringComparison.Ordinal);
        Assert.Contains("\"direction\":\"client>tap\"", entries["transcripts.jsonl"], StringComparison.Ordinal);
        Assert.Contains("Version: ", entries["smtptap.txt"], StringComparison.Ordinal);
        Assert.Contains("Effective settings", entries["smtptap.txt"], StringComparison.Ordinal);
        foreach (var entry in entries)
        {
            SecretCanary.AssertAbsent(canary, entry.Key + "\n" + entry.Value);
        }
    }

    private static void AssertAddressesGone(Dictionary<string, string> entries)
    {
        var all = string.Join("\n", entries.Values);
        foreach (var real in new[] { "sender@example.test", "rcpt@example.test", "bundle-user@corp.test", "example.test", "crm-box.corp.test", "127.0.0.1" })
        {
            Assert.DoesNotContain(real, all, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains("EHLO host", all, StringComparison.Ordinal);
        Assert.Contains("MAIL FROM:<user", all, StringComparison.Ordinal);
        Assert.Contains("@domain", all, StringComparison.Ordinal);
        Assert.Contains("192.0.2.", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BundleCommandAndApi_HoldTheSession_WithoutTheCanary_AndMaskAddressesOnRequest()
    {
        using var work = new TempDirectory();
        var transcripts = work.Sub("transcripts");
        var canary = "Canary-" + Guid.NewGuid().ToString("N");
        await using var tap = await WebTap.StartAsync("--transcripts", transcripts, "--web", "127.0.0.1:0");
        await tap.SendAsync("crm-box.corp.test", "Bundle check", "bundle-user@corp.test", canary);

        var id = string.Empty;
        await Eventually.HoldsAsync(
            () =>
            {
                var files = Directory.GetFiles(transcripts, "*-s*.log");
                id = files.Length == 1 && File.ReadAllText(files[0]).Contains("Session closed", StringComparison.Ordinal) ? Path.GetFileNameWithoutExtension(files[0]).Split('-')[^1] : string.Empty;
                return id.Length > 0;
            },
            "the session's transcript file is written and closed");

        // (a) smtptap bundle on the folder
        var plainZip = work.Sub("plain.zip");
        var (exit, stdout, stderr) = await CliProcess.RunAsync(work.Path, "bundle", "--transcripts", transcripts, "--session", id, "--out", plainZip);
        Assert.True(exit == 0, stderr);
        Assert.Contains(plainZip, stdout, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(plainZip));
        }

        var plain = Entries(await File.ReadAllBytesAsync(plainZip));
        AssertBundle(plain, id, canary);
        Assert.Contains("sender@example.test", plain["transcripts.jsonl"], StringComparison.Ordinal);

        // The upstream leg's certificate fingerprint, found by smtptap bundle in the transcript file alone.
        Assert.Matches(id + " upstream leg: SHA-256 [0-9A-F]{2}(:[0-9A-F]{2}){31}; subject CN=localhost", plain["smtptap.txt"]);

        var maskedZip = work.Sub("masked.zip");
        (exit, _, stderr) = await CliProcess.RunAsync(work.Path, "bundle", "--transcripts", transcripts, "--session", id, "--out", maskedZip, "--mask-addresses", "--cert-dir", tap.CertDirectory);
        Assert.True(exit == 0, stderr);
        var masked = Entries(await File.ReadAllBytesAsync(maskedZip));
        AssertBundle(masked, id, canary);
        AssertAddressesGone(masked);
        Assert.Matches("CA certificate SHA-256: [0-9A-F]{2}(:[0-9A-F]{2}){31}", masked["smtptap.txt"]);
        Assert.Matches(id + " upstream leg: SHA-256 [0-9A-F]{2}(:[0-9A-F]{2}){31}", masked["smtptap.txt"]);

        // (b) the web API, behind the same Host check as every API call
        using var response = await WebTap.Http.GetAsync(tap.Api("/api/sessions/" + id + "/bundle"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        var web = Entries(await response.Content.ReadAsByteArrayAsync());
        AssertBundle(web, id, canary);
        Assert.Matches("CA certificate SHA-256: [0-9A-F]{2}(:[0-9A-F]{2}){31}", web["smtptap.txt"]);
        Assert.Contains("[command line]", web["smtptap.txt"], StringComparison.Ordinal);

        var webMasked = Entries(await WebTap.Http.GetByteArrayAsync(tap.Api("/api/sessions/" + id + "/bundle?maskAddresses=true")));
        AssertBundle(webMasked, id, canary);
        AssertAddressesGone(webMasked);

        Assert.Equal(HttpStatusCode.NotFound, (await WebTap.Http.GetAsync(tap.Api("/api/sessions/s9999/bundle"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await WebTap.Http.GetAsync(tap.Api("/api/sessions/s9999/transcript.txt"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await WebTap.Http.GetAsync(tap.Api("/api/sessions/s9999/transcript.jsonl"))).StatusCode);
        using var foreign = new HttpRequestMessage(HttpMethod.Get, tap.Api("/api/sessions/" + id + "/bundle"));
        foreign.Headers.Host = "attacker.example";
        Assert.Equal(HttpStatusCode.BadRequest, (await WebTap.Http.SendAsync(foreign)).StatusCode);
    }

    [Fact]
    public async Task ApiBundle_WithoutTranscripts_ComesFromTheInMemoryTimeline()
    {
        var canary = "Canary-" + Guid.NewGuid().ToString("N");
        await using var tap = await WebTap.StartAsync();
        await tap.SendAsync("crm-box.corp.test", "Memory bundle", "bundle-user@corp.test", canary);
        var id = string.Empty;
        await Eventually.HoldsAsync(
            () =>
            {
                var sessions = tap.GetJsonAsync("/api/sessions?status=accepted").GetAwaiter().GetResult().GetProperty("sessions");
                id = sessions.GetArrayLength() == 1 ? sessions[0].GetProperty("id").GetString()! : string.Empty;
                return id.Length > 0 && tap.GetJsonAsync("/api/sessions/" + id).GetAwaiter().GetResult().GetRawText().Contains("Session closed", StringComparison.Ordinal);
            },
            "the session is closed in the web history");

        var web = Entries(await WebTap.Http.GetByteArrayAsync(tap.Api("/api/sessions/" + id + "/bundle")));
        AssertBundle(web, id, canary);
        Assert.Contains("in-memory timeline", web["smtptap.txt"], StringComparison.Ordinal);
        var masked = Entries(await WebTap.Http.GetByteArrayAsync(tap.Api("/api/sessions/" + id + "/bundle?maskAddresses=true")));
        AssertAddressesGone(masked);
    }

    [Fact]
    public async Task BundleCommand_RefusesAMissingFolderAnUnknownSessionAndAnUnwritableOut_WithOneLineAndExit2()
    {
        using var work = new TempDirectory();
        var (exit, _, stderr) = await CliProcess.RunAsync(work.Path, "bundle", "--transcripts", work.Sub("nope"), "--session", "s0001", "--out", work.Sub("b.zip"));
        Assert.Equal(2, exit);
        Assert.Equal("smtptap bundle: no transcripts folder " + work.Sub("nope"), stderr.Trim());

        var transcripts = work.Sub("t");
        Directory.CreateDirectory(transcripts);
        for (var i = 1; i <= 12; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(transcripts, $"20261204-200114-p77-s{i:0000}.log"), $"2026-12-04T20:01:14.100+00:00 s{i:0000} client>tap EHLO x\n");
        }

        (exit, _, stderr) = await CliProcess.RunAsync(work.Path, "bundle", "--transcripts", transcripts, "--session", "s0042", "--out", work.Sub("b.zip"));
        Assert.Equal(2, exit);
        var line = Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("no transcript for session s0042", line, StringComparison.Ordinal);
        Assert.Contains("s0001, s0002, s0003, s0004, s0005, s0006, s0007, s0008, s0009, s0010 (and 2 more)", line, StringComparison.Ordinal);
        Assert.False(File.Exists(work.Sub("b.zip")));

        (exit, _, stderr) = await CliProcess.RunAsync(work.Path, "bundle", "--transcripts", transcripts, "--session", "s0001", "--out", Path.Combine(work.Sub("no-such-dir"), "b.zip"));
        Assert.Equal(2, exit);
        Assert.StartsWith("smtptap bundle: cannot write " + Path.Combine(work.Sub("no-such-dir"), "b.zip"), Assert.Single(stderr.Trim().Split('\n')), StringComparison.Ordinal);

        (exit, _, stderr) = await CliProcess.RunAsync(work.Path, "bundle", "--transcripts", transcripts, "--session", "s0001", "s0002", "--out", work.Sub("two.zip"));
        Assert.True(exit == 0, stderr);
        using var archive = ZipFile.OpenRead(work.Sub("two.zip"));
        Assert.Equal(2, archive.Entries.Count(e => e.FullName.StartsWith("transcripts/", StringComparison.Ordinal)));
    }
}
