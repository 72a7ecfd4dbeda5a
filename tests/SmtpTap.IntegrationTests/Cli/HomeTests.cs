using System.Text.RegularExpressions;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Cli;

/// <summary>The local CA lives in the SmtpTap home: started from another folder, smtptap reuses it and says so.</summary>
public sealed partial class HomeTests
{
    [Fact]
    public async Task TwoStartsFromDifferentFolders_OneCaInTheHome_CreatedThenReused()
    {
        using var temp = new TempDirectory();
        var env = new Dictionary<string, string> { ["SMTPTAP_HOME"] = temp.Sub("home") };
        var first = await BannerAsync(temp.Sub("work-a"), env);
        var second = await BannerAsync(temp.Sub("work-b"), env);
        Assert.Contains("just created", first.Line, StringComparison.Ordinal);
        Assert.Contains("reused", second.Line, StringComparison.Ordinal);
        Assert.Equal(first.Fingerprint, second.Fingerprint);
        Assert.Contains(Path.Combine(temp.Sub("home"), "certs", "ca.crt.pem"), second.Line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(temp.Sub("work-a"), "certs")));
        Assert.False(Directory.Exists(Path.Combine(temp.Sub("work-b"), "certs")));
    }

    [Fact]
    public async Task RelativeHome_OneLineExit2()
    {
        using var temp = new TempDirectory();
        await using var tap = CliProcess.Start(temp.Path, new Dictionary<string, string> { ["SMTPTAP_HOME"] = "relative/home" }, "proxy");
        Assert.Equal(2, await tap.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("SMTPTAP_HOME must be an absolute path", tap.Stderr, StringComparison.Ordinal);
    }

    private static async Task<(string Line, string Fingerprint)> BannerAsync(string workingDirectory, Dictionary<string, string> env)
    {
        Directory.CreateDirectory(workingDirectory);
        await using var tap = CliProcess.Start(workingDirectory, env, "proxy", "--listen", "smtp://127.0.0.1:0", "--capture-dir", Path.Combine(workingDirectory, "captured"));
        await tap.WaitForListenPortAsync();
        var match = await tap.WaitForOutputAsync(CaLine(), TimeSpan.FromSeconds(30));
        return (match.Value, match.Groups[1].Value);
    }

    [GeneratedRegex(@"Client leg certificates come from the local CA .*?(SHA-256: [0-9A-F:]+).*")]
    private static partial Regex CaLine();
}
