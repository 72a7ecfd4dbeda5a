using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.Tests.Support;

namespace SmtpTap.IntegrationTests.Auth;

/// <summary>
/// Each mechanism's exchange sent through the tap whole and one byte per write: the server sees the same
/// thing, the transcript says the same thing (user shown, secret masked), and the secret never appears.
/// </summary>
public sealed partial class AuthChunkingTests
{
    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (var mechanism in new[] { "PLAIN-IR", "PLAIN", "LOGIN", "LOGIN-IR", "CRAM-MD5", "XOAUTH2", "CANCEL" })
        {
            data.Add(mechanism, false);
            data.Add(mechanism, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Exchange_WholeOrByteByByte_SameTranscriptAndNoSecret(string exchange, bool byteByByte)
    {
        var secret = AuthFixtures.NewSecret(exchange);
        await using var harness = await TapHarness.StartAsync(
            LegMode.Plain,
            LegMode.StartTls,
            captureFactory: (leaves, dir) => AuthFixtures.CheckingCapture(leaves, LegMode.StartTls, secret, dir));
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await SendAsync(raw, "EHLO chunky.test\r\n", byteByByte);
        await raw.ExpectAsync(250);
        var user = AuthFixtures.User;
        var expectedFinal = 235;
        switch (exchange)
        {
            case "PLAIN-IR":
                await SendAsync(raw, "AUTH PLAIN " + B64("\0" + user + "\0" + secret) + "\r\n", byteByByte);
                break;
            case "PLAIN":
                await SendAsync(raw, "AUTH PLAIN\r\n", byteByByte);
                await raw.ExpectAsync(334);
                await SendAsync(raw, B64("\0" + user + "\0" + secret) + "\r\n", byteByByte);
                break;
            case "LOGIN":
                await SendAsync(raw, "AUTH LOGIN\r\n", byteByByte);
                await raw.ExpectAsync(334);
                await SendAsync(raw, B64(user) + "\r\n", byteByByte);
                await raw.ExpectAsync(334);
                await SendAsync(raw, B64(secret) + "\r\n", byteByByte);
                break;
            case "LOGIN-IR":
                await SendAsync(raw, "AUTH LOGIN " + B64(user) + "\r\n", byteByByte);
                await raw.ExpectAsync(334);
                await SendAsync(raw, B64(secret) + "\r\n", byteByByte);
                break;
            case "CRAM-MD5":
                await SendAsync(raw, "AUTH CRAM-MD5\r\n", byteByByte);
                var challenge = Convert.FromBase64String((await raw.ExpectAsync(334)).FirstLine);
                var digest = Convert.ToHexStringLower(HMACMD5.HashData(Encoding.UTF8.GetBytes(secret), challenge));
                await SendAsync(raw, B64(user + " " + digest) + "\r\n", byteByByte);
                break;
            case "XOAUTH2":
                await SendAsync(raw, "AUTH XOAUTH2 " + B64("user=" + user + "\u0001auth=Bearer " + secret + "\u0001\u0001") + "\r\n", byteByByte);
                break;
            case "CANCEL":
                await SendAsync(raw, "AUTH LOGIN\r\n", byteByByte);
                await raw.ExpectAsync(334);
                await SendAsync(raw, "*\r\n", byteByByte);
                expectedFinal = 501;
                break;
        }

        await raw.ExpectAsync(expectedFinal);
        await SendAsync(raw, "MAIL FROM:<after-auth@example.test>\r\n", byteByByte);
        await raw.ExpectAsync(250);
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);

        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        var authLines = AuthLines(transcript);
        Assert.Contains("MAIL FROM:<after-auth@example.test>", transcript, StringComparison.Ordinal);
        if (exchange == "CANCEL")
        {
            Assert.Contains("client cancelled authentication", authLines, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("user=" + user, authLines, StringComparison.Ordinal);
            Assert.Contains("AUTH succeeded", authLines, StringComparison.Ordinal);
        }

        if (exchange.StartsWith("LOGIN", StringComparison.Ordinal))
        {
            Assert.Contains("[Password:]", authLines, StringComparison.Ordinal);
        }

        SecretCanary.AssertAbsent(secret, await harness.AllOutputAsync());
        var snapshot = Normalize(authLines);
        Assert.Equal(snapshot, Normalize(authLines));
        s_snapshots.AddOrUpdate((exchange, byteByByte), snapshot, (_, _) => snapshot);
        if (s_snapshots.TryGetValue((exchange, !byteByByte), out var other))
        {
            Assert.Equal(other, snapshot);
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, bool), string> s_snapshots = new();

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static async Task SendAsync(RawSmtpClient raw, string text, bool byteByByte)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (!byteByByte)
        {
            await raw.SendAsync(bytes);
            return;
        }

        for (var i = 0; i < bytes.Length; i++)
        {
            await raw.SendAsync(bytes.AsMemory(i, 1));
        }
    }

    /// <summary>The transcript lines from the AUTH command to its verdict, without time stamps.</summary>
    private static string AuthLines(string transcript)
    {
        var lines = transcript.Split('\n').Select(l => l.Length > 13 ? l[13..].TrimEnd('\r') : l).ToList();
        var start = lines.FindIndex(l => l.Contains("client>tap AUTH ", StringComparison.Ordinal));
        var end = lines.FindIndex(start, l => l.Contains("AUTH succeeded", StringComparison.Ordinal) || l.Contains("AUTH failed", StringComparison.Ordinal) || l.Contains("cancel", StringComparison.OrdinalIgnoreCase) && l.Contains("server>tap", StringComparison.Ordinal));
        return string.Join('\n', lines.Skip(start).Take((end < 0 ? lines.Count : end + 1) - start));
    }

    /// <summary>CRAM-MD5 challenges are random per session: compare the rest.</summary>
    private static string Normalize(string authLines) => ChallengeRegex().Replace(authLines, "334 <challenge>");

    [GeneratedRegex(@"334 \S+ \[<[^\]]*>\]")]
    private static partial Regex ChallengeRegex();
}
