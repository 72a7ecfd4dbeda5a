using Microsoft.Extensions.Configuration;
using SmtpTap.Commands;
using SmtpTap.Configuration;
using SmtpTap.Tests.Support;

namespace SmtpTap.Tests.Commands;

/// <summary>The configuration file and environment layer of <c>smtptap proxy</c>: precedence, lists, clear errors.</summary>
public sealed class ProxyConfigurationTests
{
    private static IConfiguration Env(params (string Key, string Value)[] vars) =>
        new ConfigurationBuilder().AddInMemoryCollection(vars.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static (bool Ok, ProxySettings? Settings, List<EffectiveSetting> Effective, string? Problem) Apply(string[] args, IConfiguration env)
    {
        if (!ProxyConfiguration.TryApply(ProxyCommand.Options, args, env, out var effective, out var settings, out var problem))
        {
            return (false, null, settings, problem);
        }

        var parse = RootCommandFactory.Create().Parse(["proxy", .. effective]);
        Assert.Empty(parse.Errors);
        Assert.True(ProxyCommand.TryBuild(parse, out var built, out var why), why);
        return (true, built, settings, null);
    }

    [Fact]
    public void Precedence_CommandLineThenEnvironmentThenFileThenDefault()
    {
        using var temp = new TempDir();
        var file = temp.Write("smtptap.json", """
            {
              "listen": ["smtp://127.0.0.1:2525", "smtps://127.0.0.1:4650"],
              "upstream": "smtps://smtp.example.com:465",
              "transcripts": "/var/log/smtptap",
              "max-sessions": 200,
              "idle-timeout": 60,
              "show-body": true
            }
            """);
        var (ok, settings, effective, _) = Apply(["--config", file, "--max-sessions", "50"], Env(("MAX_SESSIONS", "300"), ("IDLE_TIMEOUT", "90")));
        Assert.True(ok);
        Assert.Equal(50, settings!.MaxSessions);
        Assert.Equal(90, settings.IdleTimeoutSeconds);
        Assert.Equal("/var/log/smtptap", settings.TranscriptDirectory);
        Assert.True(settings.ShowBody);
        Assert.Equal(2, settings.Listeners.Count);
        Assert.Equal(1000, new ProxySettings { Listeners = [], Upstream = settings.Upstream }.MaxSessions);
        Assert.Equal(SettingSource.CommandLine, effective.Single(e => e.Name == "max-sessions").Source);
        Assert.Equal(SettingSource.Environment, effective.Single(e => e.Name == "idle-timeout").Source);
        Assert.Equal(SettingSource.File, effective.Single(e => e.Name == "upstream").Source);
        Assert.Equal(SettingSource.Default, effective.Single(e => e.Name == "min-data-rate").Source);
        Assert.Equal(["500"], effective.Single(e => e.Name == "min-data-rate").Values);
    }

    [Fact]
    public void TranscriptsWithoutAValue_IsTheFolderInTheSmtpTapHome()
    {
        var (ok, settings, _, _) = Apply(["--transcripts"], Env());
        Assert.True(ok);
        Assert.Equal(Path.Combine(Environment.GetEnvironmentVariable("SMTPTAP_HOME")!, "transcripts"), settings!.TranscriptDirectory);
        var (_, given, _, _) = Apply(["--transcripts", "/var/log/smtptap"], Env());
        Assert.Equal("/var/log/smtptap", given!.TranscriptDirectory);
        var (_, none, _, _) = Apply([], Env());
        Assert.Null(none!.TranscriptDirectory);
    }

    [Fact]
    public void EnvironmentLists_AreCommaSeparated()
    {
        var (ok, settings, _, _) = Apply([], Env(("LISTEN", "smtp://127.0.0.1:2525, smtps://127.0.0.1:4650"), ("UPSTREAM", "smtp://127.0.0.1:587")));
        Assert.True(ok);
        Assert.Equal(2, settings!.Listeners.Count);
        Assert.Equal(587, settings.Upstream.Port);
    }

    [Fact]
    public void UnknownKey_OneLineNamingTheKeyAndItsLine()
    {
        using var temp = new TempDir();
        var file = temp.Write("bad.json", "{\n  \"upstream\": \"capture\",\n  \"max-sesions\": 200\n}\n");
        var (ok, _, _, problem) = Apply(["--config", file], Env());
        Assert.False(ok);
        Assert.Contains("line 3", problem, StringComparison.Ordinal);
        Assert.Contains("unknown key \"max-sesions\"", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\n  \"max-sessions\": 200,,\n}\n", "not valid JSON at line 2")]
    [InlineData("{\n  \"listen\": {\"a\": 1}\n}\n", "\"listen\" must be a list of strings")]
    [InlineData("{\n  \"upstream\": [\"a\", \"b\"]\n}\n", "\"upstream\" must be a single value")]
    public void BadFile_OneClearLine(string json, string expected)
    {
        using var temp = new TempDir();
        var (ok, _, _, problem) = Apply(["--config", temp.Write("x.json", json)], Env());
        Assert.False(ok);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFile_Named()
    {
        var (ok, _, _, problem) = Apply(["--config", "/nonexistent/smtptap.json"], Env());
        Assert.False(ok);
        Assert.Contains("file not found", problem, StringComparison.Ordinal);
    }

    private sealed class TempDir : IDisposable
    {
        private readonly string _path = Directory.CreateTempSubdirectory("smtptap-config-").FullName;

        public string Write(string name, string text)
        {
            var file = Path.Combine(_path, name);
            File.WriteAllText(file, text);
            return file;
        }

        public void Dispose() => Directory.Delete(_path, recursive: true);
    }
}
