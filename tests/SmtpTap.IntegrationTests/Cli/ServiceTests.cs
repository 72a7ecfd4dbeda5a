using System.Net.Sockets;
using System.Text;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Cli;

/// <summary><c>smtptap service</c>: the unit it writes, and the Type=notify handshake with a stand-in for systemd's notify socket.</summary>
public sealed class ServiceTests
{
    [Fact]
    public async Task Install_WritesAHardenedNotifyUnitAndAStarterConfig_UninstallRemovesTheUnitOnly()
    {
        using var temp = new TempDirectory();
        var config = Path.Combine(temp.Path, "etc", "smtptap.json");
        await using (var install = CliProcess.Start(temp.Path, "service", "install", "--unit-dir", temp.Sub("units"), "--config", config, "--no-start"))
        {
            Assert.Equal(0, await install.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }

        var unit = await File.ReadAllTextAsync(Path.Combine(temp.Sub("units"), "smtptap.service"));
        foreach (var directive in new[] { "Type=notify", "Restart=on-failure", "NoNewPrivileges=yes", "ProtectSystem=strict", "DynamicUser=yes", "KillSignal=SIGTERM", "TimeoutStopSec=45", "WantedBy=multi-user.target" })
        {
            Assert.Contains(directive + "\n", unit, StringComparison.Ordinal);
        }

        Assert.Matches(@"ExecStart=.*smtptap(\.dll)? proxy --config " + System.Text.RegularExpressions.Regex.Escape(config), unit);
        Assert.Contains("\"listen\"", await File.ReadAllTextAsync(config), StringComparison.Ordinal);

        await using (var status = CliProcess.Start(temp.Path, "service", "status", "--unit-dir", temp.Sub("units")))
        {
            await status.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.Contains("installed: ", status.Stdout, StringComparison.Ordinal);
        }

        await using (var uninstall = CliProcess.Start(temp.Path, "service", "uninstall", "--unit-dir", temp.Sub("units")))
        {
            Assert.Equal(0, await uninstall.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }

        Assert.False(File.Exists(Path.Combine(temp.Sub("units"), "smtptap.service")));
        Assert.True(File.Exists(config));
    }

    [Fact]
    public async Task UnderSystemd_ReadyIsSentOnceListening_AndStoppingWhenTheServiceManagerSendsSigterm()
    {
        using var temp = new TempDirectory();
        // Unix socket paths are limited to 108 bytes: keep it short.
        var socketPath = Path.Combine("/tmp", "smtptap-notify-" + Guid.NewGuid().ToString("N")[..8] + ".sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        var env = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath };
        await using var tap = CliProcess.Start(temp.Path, env, "proxy", "--listen", "smtp://127.0.0.1:0", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("captured"));
        await tap.WaitForListenPortAsync();
        Assert.Equal("READY=1", await ReceiveAsync(notify, tap));
        await Eventually.HoldsAsync(() => tap.Stdout.Contains("Press Ctrl+C", StringComparison.Ordinal), "the banner on the console");

        tap.Signal(CliProcess.SigTerm);
        Assert.Equal("STOPPING=1", await ReceiveAsync(notify, tap));
        Assert.Equal(0, await tap.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Stopped; every transcript, log and captured message is written", tap.Stdout, StringComparison.Ordinal);
        File.Delete(socketPath);
    }

    private static async Task<string> ReceiveAsync(Socket socket, CliProcess tap)
    {
        var buffer = new byte[256];
        socket.ReceiveTimeout = 30_000;
        try
        {
            var n = await Task.Run(() => socket.Receive(buffer));
            return Encoding.ASCII.GetString(buffer, 0, n).Trim();
        }
        catch (SocketException)
        {
            Assert.Fail("no notification within 30 s; the tap printed: " + tap.Stdout + tap.Stderr);
            return string.Empty;
        }
    }
}
