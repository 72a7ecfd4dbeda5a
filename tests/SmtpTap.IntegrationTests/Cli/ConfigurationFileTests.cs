using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Cli;

/// <summary><c>smtptap proxy --config FILE</c> and SMTPTAP_* variables through the real process.</summary>
public sealed class ConfigurationFileTests
{
    [Fact]
    public async Task ProxyTakesListenersAndFoldersFromTheFileAndTheEnvironment_CommandLineWins()
    {
        using var temp = new TempDirectory();
        var config = Path.Combine(temp.Path, "smtptap.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "listen": ["smtp://127.0.0.1:0"],
              "cert-dir": "{{temp.Sub("certs")}}",
              "capture-dir": "{{temp.Sub("from-file")}}",
              "max-sessions": 7
            }
            """);
        var env = new Dictionary<string, string> { ["SMTPTAP_TRANSCRIPTS"] = temp.Sub("t"), ["SMTPTAP_CAPTURE_DIR"] = temp.Sub("from-env") };
        await using var tap = CliProcess.Start(temp.Path, env, "proxy", "--config", config, "--capture-dir", temp.Sub("from-cli"));
        var port = await tap.WaitForListenPortAsync();
        await using (var client = await RawSmtpClient.ConnectAndEhloAsync(port))
        {
            await client.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
            await client.ExpectAsync(250);
            await client.ExpectAsync(250);
            await client.ExpectAsync(354);
            await client.SendAsync("Subject: configured\r\n\r\nhi\r\n.\r\nQUIT\r\n");
            await client.ExpectAsync(250);
            await client.ExpectAsync(221);
        }

        await Eventually.HoldsAsync(() => Directory.Exists(temp.Sub("t")) && Directory.GetFiles(temp.Sub("t")).Length > 0, "a transcript file in the folder from SMTPTAP_TRANSCRIPTS");
        Assert.Single(Directory.GetFiles(temp.Sub("from-cli"), "*.eml"));
        Assert.False(Directory.Exists(temp.Sub("from-env")) && Directory.GetFiles(temp.Sub("from-env")).Length > 0);
        Assert.False(Directory.Exists(temp.Sub("from-file")) && Directory.GetFiles(temp.Sub("from-file")).Length > 0);
    }

    [Fact]
    public async Task ConfigShow_PrintsEachSettingWithItsSource_AndABadKeyIsOneLineExit2()
    {
        using var temp = new TempDirectory();
        var good = Path.Combine(temp.Path, "good.json");
        await File.WriteAllTextAsync(good, "{\n  \"upstream\": \"smtps://smtp.example.com:465\",\n  \"max-sessions\": 200\n}\n");
        await using (var show = CliProcess.Start(temp.Path, new Dictionary<string, string> { ["SMTPTAP_MAX_SESSIONS"] = "300" }, "config", "show", "--config", good))
        {
            Assert.Equal(0, await show.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Matches(@"upstream\s+smtps://smtp\.example\.com:465\s+\[file\]", show.Stdout);
            Assert.Matches(@"max-sessions\s+300\s+\[environment\]", show.Stdout);
            Assert.Matches(@"idle-timeout\s+300\s+\[default\]", show.Stdout);
        }

        var bad = Path.Combine(temp.Path, "bad.json");
        await File.WriteAllTextAsync(bad, "{\n  \"upstream\": \"capture\",\n  \"listn\": [\"smtp://127.0.0.1:0\"]\n}\n");
        await using var proxy = CliProcess.Start(temp.Path, "proxy", "--config", bad);
        Assert.Equal(2, await proxy.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("line 3: unknown key \"listn\"", proxy.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", proxy.Stderr, StringComparison.Ordinal);
    }
}
