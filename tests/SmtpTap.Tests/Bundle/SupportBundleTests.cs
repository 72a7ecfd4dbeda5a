using System.IO.Compression;
using System.Text;
using System.Text.Json;
using SmtpTap.Bundle;
using SmtpTap.Configuration;
using Xunit;

namespace SmtpTap.Tests.Bundle;

public sealed class SupportBundleTests
{
    private static readonly string[] s_transcript =
    [
        "2026-12-04T20:01:14.101+00:00 s0003 tap        Client 203.0.113.77:50123 on smtp://127.0.0.1:2525 to smtp.corp-mail.net:587",
        "2026-12-04T20:01:14.120+00:00 s0003 server>tap 220 smtp.corp-mail.net ESMTP ready",
        "2026-12-04T20:01:14.130+00:00 s0003 client>tap EHLO crmbox",
        "2026-12-04T20:01:14.140+00:00 s0003 server>tap 250-smtp.corp-mail.net Hello crmbox [203.0.113.77]",
        "2026-12-04T20:01:14.150+00:00 s0003 client>tap AUTH PLAIN ***** (user alice@corp.example.org, password masked)",
        "2026-12-04T20:01:14.160+00:00 s0003 client>tap MAIL FROM:<alice@corp.example.org>",
        "2026-12-04T20:01:14.170+00:00 s0003 client>tap RCPT TO:<bob@partner.test>",
        "2026-12-04T20:01:14.180+00:00 s0003 client>tap RCPT TO:<Alice@corp.example.org>",
        "2026-12-04T20:01:14.190+00:00 s0003 tap        Upstream leg via [2001:db8:aa::5]:587 and fe80::1 (crmbox again)",
    ];

    private static BundleInput Input(bool mask, params string[] tapLog) => new(
        [new BundleTranscript("20261204-200114-p4242-s0003.log", "s0003", s_transcript)],
        "1.2.3+abc",
        [new EffectiveSetting("upstream", ["smtp://smtp.corp-mail.net:587"], SettingSource.CommandLine), new EffectiveSetting("listen", ["smtp://127.0.0.1:2525"], SettingSource.Default)],
        "AA:BB:CC",
        "/certs/ca.crt.pem",
        tapLog,
        "unit test",
        new DateTimeOffset(2026, 12, 4, 20, 30, 0, TimeSpan.Zero),
        mask);

    private static Dictionary<string, string> Entries(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return archive.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var reader = new StreamReader(e.Open(), Encoding.UTF8);
            return reader.ReadToEnd();
        });
    }

    [Fact]
    public void Bundle_HoldsTheTranscriptJsonLinesInfoAndTapLog()
    {
        var entries = Entries(SupportBundle.Build(Input(false, "2026-12-04T20:01:14.100+00:00 -     tap        Session s0003 accepted")));

        Assert.Equal(["smtptap.txt", "tap-log.txt", "transcripts.jsonl", "transcripts/20261204-200114-p4242-s0003.log"], entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(string.Concat(s_transcript.Select(l => l + "\n")), entries["transcripts/20261204-200114-p4242-s0003.log"]);
        var json = entries["transcripts.jsonl"].Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(s_transcript.Length, json.Count);
        Assert.Equal("2026-12-04T20:01:14.130+00:00", json[2].GetProperty("time").GetString());
        Assert.Equal("s0003", json[2].GetProperty("session").GetString());
        Assert.Equal("client>tap", json[2].GetProperty("direction").GetString());
        Assert.Equal("EHLO crmbox", json[2].GetProperty("text").GetString());
        Assert.Equal("tap", json[0].GetProperty("direction").GetString());
        Assert.StartsWith("Client 203.0.113.77", json[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        var info = entries["smtptap.txt"];
        Assert.Contains("Version: 1.2.3+abc", info, StringComparison.Ordinal);
        Assert.Contains("CA certificate SHA-256: AA:BB:CC", info, StringComparison.Ordinal);
        Assert.Contains("upstream  smtp://smtp.corp-mail.net:587  [command line]", info, StringComparison.Ordinal);
        Assert.Contains("listen    smtp://127.0.0.1:2525  [default]", info, StringComparison.Ordinal);
        Assert.Contains("Made by: unit test", info, StringComparison.Ordinal);
        Assert.Contains("Sessions: s0003", info, StringComparison.Ordinal);
        Assert.Equal("2026-12-04T20:01:14.100+00:00 -     tap        Session s0003 accepted\n", entries["tap-log.txt"]);
    }

    [Fact]
    public void MaskAddresses_ReplacesEveryAddressHostAndIpWithStablePseudonyms_InEveryEntry()
    {
        var entries = Entries(SupportBundle.Build(Input(true, "2026-12-04T20:01:14.100+00:00 -     tap        s0003 from 203.0.113.77 to smtp.corp-mail.net, sender alice@corp.example.org")));

        var all = string.Join("\n", entries.Values);
        foreach (var real in new[] { "alice@", "Alice@", "bob@", "corp.example.org", "partner.test", "smtp.corp-mail.net", "corp-mail", "crmbox", "203.0.113.77", "127.0.0.1", "2001:db8:aa::5", "fe80::1" })
        {
            Assert.DoesNotContain(real, all, StringComparison.OrdinalIgnoreCase);
        }

        var transcript = entries["transcripts/20261204-200114-p4242-s0003.log"];
        // Stable: the same input gives the same pseudonym everywhere in the bundle (case-insensitive addresses too).
        Assert.Contains("MAIL FROM:<user1@domain1.example>", transcript, StringComparison.Ordinal);
        Assert.Contains("RCPT TO:<user2@domain2.example>", transcript, StringComparison.Ordinal);
        Assert.Contains("RCPT TO:<user1@domain1.example>", transcript, StringComparison.Ordinal);
        Assert.Contains("(user user1@domain1.example, password masked)", transcript, StringComparison.Ordinal);
        Assert.Contains("EHLO host2.example", transcript, StringComparison.Ordinal);
        Assert.Contains("220 host1.example ESMTP ready", transcript, StringComparison.Ordinal);
        Assert.Contains("250-host1.example Hello host2.example [192.0.2.1]", transcript, StringComparison.Ordinal);
        Assert.Contains("Client 192.0.2.1:50123 on smtp://192.0.2.2:2525 to host1.example:587", transcript, StringComparison.Ordinal);
        Assert.Contains("via [2001:db8::1]:587 and 2001:db8::2 (host2.example again)", transcript, StringComparison.Ordinal);
        Assert.Contains("s0003 from 192.0.2.1 to host1.example, sender user1@domain1.example", entries["tap-log.txt"], StringComparison.Ordinal);
        Assert.Contains("upstream  smtp://host1.example:587  [command line]", entries["smtptap.txt"], StringComparison.Ordinal);
        Assert.Contains("\"text\":\"EHLO host2.example\"", entries["transcripts.jsonl"], StringComparison.Ordinal);
        Assert.Contains("Addresses and host names masked: yes", entries["smtptap.txt"], StringComparison.Ordinal);

        // Nothing already masked comes back, and the rest of the line stays as it was.
        Assert.Contains("AUTH PLAIN *****", transcript, StringComparison.Ordinal);
        Assert.Contains("2026-12-04T20:01:14.130+00:00 s0003 client>tap EHLO host2.example", transcript, StringComparison.Ordinal);
        Assert.Contains("CA certificate SHA-256: AA:BB:CC", entries["smtptap.txt"], StringComparison.Ordinal);
    }

    [Fact]
    public void Pseudonyms_AreStableAndNeverReuseOnePseudonymForTwoInputs()
    {
        var pseudonyms = new AddressPseudonyms();
        var first = pseudonyms.Mask("a@x.test b@y.test 10.0.0.1 10.0.0.2 mx1.x.test mx2.x.test");
        var again = pseudonyms.Mask("mx2.x.test 10.0.0.2 b@y.test [user=a@x.test, digest=****]");

        Assert.Equal("user1@domain1.example user2@domain2.example 192.0.2.1 192.0.2.2 host1.example host2.example", first);
        Assert.Equal("host2.example 192.0.2.2 user2@domain2.example [user=user1@domain1.example, digest=****]", again);
        Assert.Equal("334 (base64 left out: --mask-addresses) [<user3@domain3.example>]", pseudonyms.Mask("334 PDEwOWZhNDdkQGNhcHR1cmUuc210cHRhcC5sb2NhbD4= [<109fa47d@capture.smtptap.local>]"));
        Assert.Equal("u***@*** [masked] 12:30:45.123 2.0.0 250 OK ca.crt.pem", pseudonyms.Mask("u***@*** [masked] 12:30:45.123 2.0.0 250 OK ca.crt.pem"));
    }

    [Fact]
    public void Manifest_ListsTheCertificateFingerprintOfEachLeg_AndMasksOnlyTheirNames()
    {
        const string Sha = "3B:74:66:F4:F2:8E:AD:04:04:98:12:94:B4:F1:FF:3C:69:7A:01:6D:85:69:32:93:60:E9:2D:DF:96:71:4A:06";
        string[] lines =
        [
            .. s_transcript,
            "2026-12-04T20:01:14.200+00:00 s0003 tap        Certificate of the upstream leg: subject CN=smtp.corp-mail.net, issuer CN=R11, O=Let's Encrypt, valid 2026-11-01 00:00:00 UTC to 2027-01-30 00:00:00 UTC, SHA-256 " + Sha + "; trusted: verified (system trust store, host name matches)",
            "2026-12-04T20:01:14.210+00:00 s0003 tap        Certificate of the client leg: subject CN=localhost, issuer CN=SmtpTap Local CA (vm), O=SmtpTap, valid 2026-11-01 00:00:00 UTC to 2027-12-01 00:00:00 UTC, SHA-256 " + Sha.Replace("3B", "4C", StringComparison.Ordinal) + "; not-checked: the tap's own certificate",
        ];
        BundleInput With(bool mask) => Input(mask) with { Transcripts = [new BundleTranscript("20261204-200114-p4242-s0003.log", "s0003", lines)] };

        var info = Entries(SupportBundle.Build(With(mask: false)))[SupportBundle.InfoEntry];
        Assert.Contains("s0003 upstream leg: SHA-256 " + Sha + "; subject CN=smtp.corp-mail.net; issuer CN=R11, O=Let's Encrypt; valid 2026-11-01 00:00:00 UTC to 2027-01-30 00:00:00 UTC; trusted", info, StringComparison.Ordinal);
        Assert.Contains("s0003 client leg: SHA-256 " + Sha.Replace("3B", "4C", StringComparison.Ordinal) + "; subject CN=localhost;", info, StringComparison.Ordinal);

        var masked = Entries(SupportBundle.Build(With(mask: true)))[SupportBundle.InfoEntry];
        Assert.Contains("s0003 upstream leg: SHA-256 " + Sha + ";", masked, StringComparison.Ordinal);
        Assert.DoesNotContain("corp-mail.net", masked, StringComparison.Ordinal);

        Assert.Contains("TLS certificates in these sessions", Entries(SupportBundle.Build(Input(mask: false)))[SupportBundle.InfoEntry], StringComparison.Ordinal);
    }

    [Fact]
    public void TranscriptLine_ParsesThePaddedFields()
    {
        Assert.True(TranscriptLine.TryParse("2026-12-04T20:01:14.130+00:00 s12345 client>tap  two  spaces", out var wide));
        Assert.Equal(("s12345", "client>tap", " two  spaces"), (wide.Session, wide.Direction, wide.Text));
        Assert.True(TranscriptLine.TryParse("2026-12-04T20:01:14.130+00:00 s0001 tap        ", out var empty));
        Assert.Equal(("tap", string.Empty), (empty.Direction, empty.Text));
        Assert.False(TranscriptLine.TryParse("   at SmtpTap.Something()", out _));
    }
}
