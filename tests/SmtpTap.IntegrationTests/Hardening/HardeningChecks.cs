using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Hardening;

/// <summary>Checks shared by the hardening catalogue tests.</summary>
internal static class HardeningChecks
{
    /// <summary>After an attack on one session, the tap still serves a fresh one end to end.</summary>
    public static async Task SecondSessionWorksAsync(TapHarness harness)
    {
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO second.test\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("NOOP\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);
    }

    /// <summary>Waits (bounded) until the scripted upstream received a line starting with the prefix.</summary>
    public static Task WaitForReceivedAsync(ScriptedServer server, string prefix) =>
        Eventually.HoldsAsync(
            () => server.ReceivedSnapshot().Any(l => l.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)),
            $"the upstream received '{prefix}'",
            TimeSpan.FromSeconds(20));

    public static void NeverReceived(ScriptedServer server, params string[] prefixes)
    {
        var received = server.ReceivedSnapshot();
        foreach (var prefix in prefixes)
        {
            Assert.DoesNotContain(received, l => l.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>A plain client session up to the server's 354.</summary>
    public static async Task<RawSmtpClient> OpenDataAsync(TapHarness harness, string mailFrom = "MAIL FROM:<a@x.test>")
    {
        var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO client.test\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync(mailFrom + "\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("RCPT TO:<b@y.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("DATA\r\n");
        await raw.ExpectAsync(354);
        return raw;
    }
}
