using System.Net;
using MailKit.Security;
using SmtpTap.Core.Capture;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Auth;

/// <summary>Users, unique secrets and MailKit mechanisms for AUTH tests through the tap.</summary>
internal static class AuthFixtures
{
    public const string User = "alice@example.test";

    public static readonly string[] Mechanisms = ["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "NTLM"];

    /// <summary>A secret nobody else produces: if it shows up anywhere, it leaked.</summary>
    public static string NewSecret(string mechanism) => "Cn4ry-" + mechanism.Replace("-", string.Empty, StringComparison.Ordinal) + "-" + Guid.NewGuid().ToString("N")[..16];

    public static SaslMechanism For(string mechanism, string user, string secret) => mechanism switch
    {
        "PLAIN" => new SaslMechanismPlain(user, secret),
        "LOGIN" => new SaslMechanismLogin(user, secret),
        "CRAM-MD5" => new SaslMechanismCramMd5(user, secret),
        "XOAUTH2" => new SaslMechanismOAuth2(user, secret),
        "NTLM" => new SaslMechanismNtlm(user, secret),
        _ => throw new ArgumentOutOfRangeException(nameof(mechanism)),
    };

    /// <summary>A capture server that checks credentials, with TLS per the upstream leg mode.</summary>
    public static CaptureServerOptions CheckingCapture(SmtpTap.Certificates.LeafCertificateCache leaves, LegMode upstream, string secret, string captureDirectory, bool authRequiresTls = false) => new()
    {
        EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
        Certificates = upstream == LegMode.Plain ? null : leaves,
        ImplicitTls = upstream == LegMode.Implicit,
        Credentials = new Dictionary<string, string> { [User] = secret },
        AuthMechanisms = ["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "NTLM"],
        AuthRequiresTls = authRequiresTls,
        CaptureDirectory = captureDirectory,
    };
}
