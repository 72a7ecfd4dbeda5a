using System.Text.Json;
using SmtpTap.Probe;

namespace SmtpTap.Tests.Probe;

public sealed class ProbeFormattingTests
{
    private static readonly DateTimeOffset s_now = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static readonly CertificateReport s_leaf = new()
    {
        Subject = "CN=mail.example.com",
        Sans = ["DNS:mail.example.com"],
        Issuer = "CN=Example CA",
        NotBefore = s_now.AddDays(-60),
        NotAfter = s_now.AddDays(10),
        DaysLeft = 10,
        Sha256 = "AA:BB",
    };

    private static ProbeReport Good(TlsReport? tls = null) => new()
    {
        Target = "smtp://mail.example.com:25",
        ConnectedTo = "192.0.2.1:25",
        Banner = "220 mail.example.com ESMTP",
        CapabilitiesBeforeTls = ["PIPELINING", "STARTTLS"],
        CapabilitiesAfterTls = ["PIPELINING", "AUTH PLAIN LOGIN"],
        StartTlsOffered = true,
        Tls = tls ?? new TlsReport { Mode = "STARTTLS", Protocol = "TLS 1.3", Cipher = "TLS_AES_256_GCM_SHA384", Chain = [s_leaf with { DaysLeft = 80 }], HostnameMatch = true, ChainValid = true, TrustedBy = "system trust store", DaysLeft = 80 },
        Auth = new AuthReport { Mechanism = "PLAIN", User = "alice", Offered = ["PLAIN", "LOGIN"], Success = true, Reply = "235 2.7.0 Authentication successful", Explanation = "AUTH succeeded: 235 2.7.0 — authentication succeeded" },
        Message = new MessageReport { Accepted = true, Stage = "end of data", Reply = "250 2.0.0 Ok: queued as ABC", QueueId = "ABC", RelayVerdict = RelayVerdict.AcceptedWithAuth, RelayText = RelayClassifier.Describe(RelayVerdict.AcceptedWithAuth) },
        Transcript = [new ProbeTranscriptEntry(s_now, ProbeDirection.ServerToClient, "220 mail.example.com ESMTP"), new ProbeTranscriptEntry(s_now, ProbeDirection.ClientToServer, "EHLO me")],
    };

    [Theory]
    [InlineData(nameof(ProbeFailureKind.Connection), 3)]
    [InlineData(nameof(ProbeFailureKind.Tls), 4)]
    [InlineData(nameof(ProbeFailureKind.Certificate), 5)]
    [InlineData(nameof(ProbeFailureKind.Auth), 6)]
    [InlineData(nameof(ProbeFailureKind.Message), 7)]
    public void ExitCode_FollowsTheFailure(string kind, int code) =>
        Assert.Equal(code, ProbeExitCodes.For(Good() with { Error = new ProbeError(Enum.Parse<ProbeFailureKind>(kind), "x") }, strictExpiry: false));

    [Fact]
    public void ExitCode_AllGood_IsZero() => Assert.Equal(0, ProbeExitCodes.For(Good(), strictExpiry: false));

    [Fact]
    public void ExitCode_ExpiringSoon_WarnsUnlessStrict()
    {
        var report = Good(Good().Tls! with { Chain = [s_leaf], DaysLeft = 10, ExpiresSoon = true });

        Assert.Equal(0, ProbeExitCodes.For(report, strictExpiry: false));
        Assert.Equal(5, ProbeExitCodes.For(report, strictExpiry: true));
        Assert.Contains(ProbeFindings.From(report, "mail.example.com", false), f => f is { Severity: FindingSeverity.Warn, Area: "certificate" } && f.Text.Contains("expires in 10 days", StringComparison.Ordinal));
    }

    [Fact]
    public void ExitCode_InsecureWithBadCertificate_IsFive()
    {
        var report = Good(Good().Tls! with { HostnameMatch = false, AcceptedInsecurely = true });

        Assert.Equal(5, ProbeExitCodes.For(report, strictExpiry: false));
        var finding = Assert.Single(ProbeFindings.From(report, "mx.example.net", false), f => f.Area == "certificate");
        Assert.Equal(FindingSeverity.Fail, finding.Severity);
        Assert.Contains("not valid for the name 'mx.example.net'", finding.Text, StringComparison.Ordinal);
        Assert.Contains("--insecure", finding.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_SummaryHasOneLinePerFindingAndTheExitCode()
    {
        var report = Good();
        var findings = ProbeFindings.From(report, "mail.example.com", false);

        var text = ProbeTextFormatter.Format(report, findings, 0);

        Assert.Contains("server>client 220 mail.example.com ESMTP", text, StringComparison.Ordinal);
        Assert.Contains("client>server EHLO me", text, StringComparison.Ordinal);
        Assert.Contains("  OK    connect     connected to 192.0.2.1:25", text, StringComparison.Ordinal);
        Assert.Contains("  OK    tls         TLS 1.3, TLS_AES_256_GCM_SHA384 (STARTTLS)", text, StringComparison.Ordinal);
        Assert.Contains("  OK    auth        AUTH PLAIN as alice succeeded", text, StringComparison.Ordinal);
        Assert.Contains("  OK    message     message accepted, queue id ABC", text, StringComparison.Ordinal);
        Assert.Contains("Exit code 0: all good", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_Plaintext_IsAWarning()
    {
        var report = Good() with { Tls = null, PlaintextReason = "the server does not offer STARTTLS: the session stays PLAINTEXT" };

        var finding = Assert.Single(ProbeFindings.From(report, "h", false), f => f.Area == "tls");

        Assert.Equal(FindingSeverity.Warn, finding.Severity);
    }

    [Fact]
    public void Text_ConnectionFailure_IsTheOnlyFinding()
    {
        var report = new ProbeReport { Target = "smtp://x:25", Error = new ProbeError(ProbeFailureKind.Connection, "DNS lookup failed for x") };

        var finding = Assert.Single(ProbeFindings.From(report, "x", false));

        Assert.Equal(new Finding(FindingSeverity.Fail, "connect", "DNS lookup failed for x"), finding);
    }

    [Fact]
    public void Json_HasTheDocumentedShape()
    {
        var report = Good();
        var json = ProbeJsonFormatter.Format(report, ProbeFindings.From(report, "mail.example.com", false), 0);

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("220 mail.example.com ESMTP", root.GetProperty("banner").GetString());
        Assert.Equal(2, root.GetProperty("capabilitiesBeforeTls").GetArrayLength());
        var tls = root.GetProperty("tls");
        Assert.Equal("TLS 1.3", tls.GetProperty("protocol").GetString());
        Assert.Equal("TLS_AES_256_GCM_SHA384", tls.GetProperty("cipher").GetString());
        Assert.True(tls.GetProperty("hostnameMatch").GetBoolean());
        Assert.True(tls.GetProperty("chainValid").GetBoolean());
        Assert.Equal(80, tls.GetProperty("daysLeft").GetInt32());
        Assert.False(tls.GetProperty("expiresSoon").GetBoolean());
        Assert.Equal("CN=mail.example.com", tls.GetProperty("chain")[0].GetProperty("subject").GetString());
        Assert.Equal("DNS:mail.example.com", tls.GetProperty("chain")[0].GetProperty("sans")[0].GetString());
        var auth = root.GetProperty("auth");
        Assert.Equal("PLAIN", auth.GetProperty("mechanism").GetString());
        Assert.Equal("alice", auth.GetProperty("user").GetString());
        Assert.True(auth.GetProperty("success").GetBoolean());
        Assert.StartsWith("235", auth.GetProperty("reply").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("AUTH succeeded", auth.GetProperty("explanation").GetString(), StringComparison.Ordinal);
        var message = root.GetProperty("message");
        Assert.True(message.GetProperty("accepted").GetBoolean());
        Assert.Equal("ABC", message.GetProperty("queueId").GetString());
        Assert.Equal("AcceptedWithAuth", message.GetProperty("relayVerdict").GetString());
        Assert.Equal("client>server", root.GetProperty("transcript")[1].GetProperty("direction").GetString());
        Assert.Equal("OK", root.GetProperty("findings")[0].GetProperty("severity").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("error").ValueKind);
        Assert.Equal(0, root.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public void Json_Error_HasKindAndMessage()
    {
        var report = new ProbeReport { Target = "smtp://x:25", Error = new ProbeError(ProbeFailureKind.Tls, "the server offers STARTTLS but refused it: 454 4.7.0 <nope>") };

        using var document = JsonDocument.Parse(ProbeJsonFormatter.Format(report, ProbeFindings.From(report, "x", false), 4));

        Assert.Equal("Tls", document.RootElement.GetProperty("error").GetProperty("kind").GetString());
        Assert.Contains("<nope>", document.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(4, document.RootElement.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public void Scrubber_MasksRegisteredSecrets()
    {
        var transcript = new ProbeTranscript(TimeProvider.System);
        transcript.Scrubber.Add("dGhlLXNlY3JldA==");
        transcript.Scrubber.Add("the-secret");

        transcript.Server("535 5.7.8 bad: dGhlLXNlY3JldA== the-secret");

        Assert.Equal("535 5.7.8 bad: ******** ********", transcript.Entries[0].Text);
    }
}
