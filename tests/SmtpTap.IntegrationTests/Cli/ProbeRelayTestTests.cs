using System.Net;
using System.Net.Sockets;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Cli;

/// <summary>
/// <c>smtptap probe --from --to outside</c> without <c>--user</c> is the relay test, run through the real process: it
/// passes (exit 0) when the server refuses to relay and fails with its own exit code 8 when the server relays.
/// </summary>
public sealed class ProbeRelayTestTests
{
    private static ScriptedServer Server(string rcptReply) => new(async c =>
    {
        await c.GreetAndEhloAsync("8BITMIME");
        while (await c.ReadLineAsync() is { } line)
        {
            var verb = line.Split(' ')[0].ToUpperInvariant();
            switch (verb)
            {
                case "RCPT":
                    await c.SendAsync(rcptReply);
                    break;
                case "DATA":
                    await c.SendAsync("354 go ahead\r\n");
                    await c.ReadDataAsync();
                    await c.SendAsync("250 2.0.0 Ok: queued as RELAYED1\r\n");
                    break;
                case "QUIT":
                    await c.SendAsync("221 2.0.0 Bye\r\n");
                    return;
                default:
                    await c.SendAsync("250 2.0.0 OK\r\n");
                    break;
            }
        }
    });

    [Fact]
    public async Task ServerRefusesRelay_RelayTestPassesExitZero()
    {
        using var temp = new TempDirectory();
        await using var server = Server("554 5.7.1 <someone@outside.example>: Relay access denied\r\n");
        var (exit, output, err) = await CliProcess.RunAsync(temp.Path, "probe", $"smtp://127.0.0.1:{server.Port}", "--from", "me@dom.example", "--to", "someone@outside.example", "--timeout", "10");
        Assert.True(exit == 0, output + err);
        Assert.Contains("OK    relay", output, StringComparison.Ordinal);
        Assert.Contains("relay test passed", output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", output, StringComparison.Ordinal);
        Assert.Equal(string.Empty, err.Trim());
    }

    [Fact]
    public async Task ServerRelays_RelayTestFailsExitEight()
    {
        using var temp = new TempDirectory();
        await using var server = Server("250 2.1.5 Ok\r\n");
        var (exit, output, _) = await CliProcess.RunAsync(temp.Path, "probe", $"smtp://127.0.0.1:{server.Port}", "--from", "me@dom.example", "--to", "someone@outside.example", "--timeout", "10");
        Assert.Equal(8, exit);
        Assert.Contains("FAIL  relay       OPEN RELAY", output, StringComparison.Ordinal);
        Assert.Contains("Exit code 8: open relay", output, StringComparison.Ordinal);
        Assert.DoesNotContain("WARN  relay", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClosedPort_ReasonOnceOnStderrAndOnceInTheSummary()
    {
        using var temp = new TempDirectory();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var (exit, output, err) = await CliProcess.RunAsync(temp.Path, "probe", $"smtp://127.0.0.1:{port}", "--timeout", "10");
        Assert.Equal(3, exit);
        const string reason = "connection refused";
        Assert.Equal(1, Count(output, reason));
        Assert.Contains("FAIL  connect     connection refused by 127.0.0.1:" + port, output, StringComparison.Ordinal);
        Assert.Equal(1, Count(err, reason));
        Assert.DoesNotContain("ConnectionRefused", output, StringComparison.Ordinal);
    }

    private static int Count(string text, string what) =>
        (text.Length - text.Replace(what, string.Empty, StringComparison.OrdinalIgnoreCase).Length) / what.Length;
}
