using SmtpTap.Core.Transcript;
using SmtpTap.Web;
using Xunit;

namespace SmtpTap.Tests.Web;

/// <summary>What a session's page gets from the store: each line's mark and explanation, and the certificate of each TLS leg.</summary>
public sealed class SessionDetailTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Timeline_lines_carry_their_mark_and_explanation()
    {
        var store = new SessionStore(10);
        store.OnRecord(new TranscriptRecord("s1", s_t0, TranscriptDirection.ServerToTap, false, "250-STARTTLS") { Mark = TranscriptMark.CapabilityRemoved });
        store.OnRecord(new TranscriptRecord("s1", s_t0, TranscriptDirection.ServerToTap, false, "334 VXNlcm5hbWU6 [Username:]") { Mark = TranscriptMark.AuthChallenge });
        store.OnRecord(new TranscriptRecord("s1", s_t0, TranscriptDirection.ServerToTap, false, "554 5.7.1 Relay access denied") { Explanation = "relay denied: …" });
        store.OnRecord(new TranscriptRecord("s1", s_t0, TranscriptDirection.TapToClient, false, "421 4.7.0 closing") { Mark = TranscriptMark.TapSent });

        var lines = store.Get("s1")!.Lines;
        Assert.Equal(["capability-removed", "auth-challenge", null, "tap-sent"], lines.Select(l => l.Mark));
        Assert.Equal([null, null, "relay denied: …", null], lines.Select(l => l.Explanation));
    }

    [Fact]
    public void Each_legs_certificate_is_kept_with_its_verdict()
    {
        var store = new SessionStore(10);
        var client = new TlsLegCertificate(TlsLeg.Client, "Tls13", "TLS_AES_256_GCM_SHA384", "CN=tap", "CN=SmtpTap Local CA", s_t0, s_t0.AddYears(1), "AA:01", TlsTrust.NotChecked, "the tap's own certificate");
        var upstream = new TlsLegCertificate(TlsLeg.Upstream, "Tls12", "TLS_ECDHE", "CN=mx.example", "CN=Public CA", s_t0, s_t0.AddDays(90), "BB:02", TlsTrust.NotTrusted, "NOT VERIFIED (--upstream-insecure): host name does not match");
        store.OnRecord(new TranscriptRecord("s1", s_t0, TranscriptDirection.Event, false, "Certificate of the upstream leg: …") { Tls = upstream, Mark = TranscriptMark.Certificate });
        store.OnRecord(new TranscriptRecord("s1", s_t0, TranscriptDirection.Event, false, "Certificate of the client leg: …") { Tls = client, Mark = TranscriptMark.Certificate });

        var certificates = store.Get("s1")!.Certificates;
        Assert.Equal(
            [
                new LegCertificate("upstream", "Tls12", "TLS_ECDHE", "CN=mx.example", "CN=Public CA", s_t0, s_t0.AddDays(90), "BB:02", "not-trusted", "NOT VERIFIED (--upstream-insecure): host name does not match"),
                new LegCertificate("client", "Tls13", "TLS_AES_256_GCM_SHA384", "CN=tap", "CN=SmtpTap Local CA", s_t0, s_t0.AddYears(1), "AA:01", "not-checked", "the tap's own certificate"),
            ],
            certificates);
        Assert.Equal("certificate", store.Get("s1")!.Lines[0].Mark);
    }
}
