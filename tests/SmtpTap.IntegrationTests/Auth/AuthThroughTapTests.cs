using MailKit.Security;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.Tests.Support;
using Xunit.Abstractions;

namespace SmtpTap.IntegrationTests.Auth;

/// <summary>
/// MailKit authenticates through the tap against a capture server that checks the credentials, for every
/// mechanism, right and wrong; the transcript shows mechanism, user and verdict, and no output of the tap
/// (console text or JSON Lines, per-session files, log file, stored .eml, exception text) holds the secret
/// in any form: raw, UTF-16, hex, base64 at all three alignments.
/// </summary>
public sealed class AuthThroughTapTests(ITestOutputHelper output)
{
    public static TheoryData<string, bool, bool> Cases()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (var mechanism in AuthFixtures.Mechanisms)
        {
            data.Add(mechanism, true, false);
            data.Add(mechanism, false, false);
            data.Add(mechanism, true, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Authenticate_ThroughTap_VerdictShownAndSecretNowhere(string mechanism, bool rightSecret, bool json)
    {
        var secret = AuthFixtures.NewSecret(mechanism);
        await using var harness = await TapHarness.StartAsync(
            LegMode.StartTls,
            LegMode.StartTls,
            json: json,
            captureFactory: (leaves, dir) => AuthFixtures.CheckingCapture(leaves, LegMode.StartTls, secret, dir));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var exceptionText = string.Empty;
        using (var smtp = await harness.ConnectClientAsync(cancellationToken: timeout.Token))
        {
            var sent = rightSecret ? secret : secret + "-wrong";
            if (rightSecret)
            {
                await smtp.AuthenticateAsync(AuthFixtures.For(mechanism, AuthFixtures.User, sent), timeout.Token);
                await smtp.SendAsync(TestMessages.Simple("auth-" + mechanism), timeout.Token);
            }
            else
            {
                var ex = await Assert.ThrowsAsync<AuthenticationException>(() => smtp.AuthenticateAsync(AuthFixtures.For(mechanism, AuthFixtures.User, sent), timeout.Token));
                exceptionText = ex.ToString();
            }

            await smtp.DisconnectAsync(true, timeout.Token);
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        output.WriteLine(transcript);
        Assert.Contains("AUTH " + mechanism, transcript, StringComparison.Ordinal);
        Assert.Contains(rightSecret ? "AUTH succeeded" : "AUTH failed: 535", transcript, StringComparison.Ordinal);
        Assert.Contains(mechanism == "NTLM" ? "user=alice" : "user=" + AuthFixtures.User, transcript, StringComparison.Ordinal);
        if (rightSecret)
        {
            var stored = await harness.Capture.WaitForMessagesAsync(1, timeout.Token);
            Assert.Equal(AuthFixtures.User, stored[0].AuthenticatedUser, StringComparer.OrdinalIgnoreCase);
        }

        var everything = await harness.AllOutputAsync() + exceptionText + await StoredMessagesAsync(harness);
        SecretCanary.AssertAbsent(secret, everything);
    }

    [Fact]
    public async Task MaskUsernames_HidesTheUserToo()
    {
        var secret = AuthFixtures.NewSecret("PLAIN");
        await using var harness = await TapHarness.StartAsync(
            LegMode.Plain,
            LegMode.StartTls,
            configure: o => o with { MaskUsernames = true },
            captureFactory: (leaves, dir) => AuthFixtures.CheckingCapture(leaves, LegMode.StartTls, secret, dir));
        using (var smtp = await harness.ConnectClientAsync())
        {
            await smtp.AuthenticateAsync(new SaslMechanismLogin(AuthFixtures.User, secret));
            await smtp.DisconnectAsync(true);
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("AUTH succeeded", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain(AuthFixtures.User, transcript, StringComparison.Ordinal);
        SecretCanary.AssertAbsent(secret, await harness.AllOutputAsync());
    }

    private static async Task<string> StoredMessagesAsync(TapHarness harness)
    {
        if (!Directory.Exists(harness.CaptureDirectory))
        {
            return string.Empty;
        }

        var parts = new List<string>();
        foreach (var file in Directory.GetFiles(harness.CaptureDirectory))
        {
            parts.Add(await File.ReadAllTextAsync(file));
        }

        return string.Join("\n", parts);
    }
}
