using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Core.Relay;
using SmtpTap.Core.Transcript;
using Xunit;

namespace SmtpTap.Tests.Relay;

/// <summary>The upstream leg's certificate as the session page shows it: trusted, not trusted and why (refused, or let through by --upstream-insecure).</summary>
public sealed class UpstreamCertificateVerdictTests
{
    [Fact]
    public void A_verified_certificate_is_trusted()
    {
        using var cert = Certificate();
        var validator = new UpstreamCertificateValidator([], insecure: false);

        Assert.True(validator.Validate(this, cert, null, SslPolicyErrors.None));

        Assert.Equal(TlsTrust.Trusted, validator.Certificate!.Trust);
        Assert.Equal(TlsLeg.Upstream, validator.Certificate.Leg);
        Assert.Equal("CN=mx.example", validator.Certificate.Subject);
        Assert.StartsWith("verified", validator.Certificate.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_certificate_is_still_described_as_not_trusted_with_the_reason()
    {
        using var cert = Certificate();
        var validator = new UpstreamCertificateValidator([], insecure: false);

        Assert.False(validator.Validate(this, cert, null, SslPolicyErrors.RemoteCertificateNameMismatch));

        Assert.Equal(TlsTrust.NotTrusted, validator.Certificate!.Trust);
        Assert.StartsWith("rejected: host name does not match the certificate", validator.Certificate.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_let_through_by_upstream_insecure_is_not_trusted()
    {
        using var cert = Certificate();
        var validator = new UpstreamCertificateValidator([], insecure: true);

        Assert.True(validator.Validate(this, cert, null, SslPolicyErrors.RemoteCertificateChainErrors));

        Assert.Equal(TlsTrust.NotTrusted, validator.Certificate!.Trust);
        Assert.StartsWith("NOT VERIFIED (--upstream-insecure): certificate chain not trusted", validator.Certificate.Verdict, StringComparison.Ordinal);
        Assert.Equal(validator.Verdict, validator.Certificate.Verdict);
    }

    private static X509Certificate2 Certificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=mx.example", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("mx.example");
        request.CertificateExtensions.Add(san.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }
}
