using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTap.Core.Relay;

/// <summary>
/// One <see cref="SslStreamCertificateContext"/> per client-leg certificate, built once and reused by every
/// handshake that presents it: no chain build per handshake, and on Linux one native TLS context (with its
/// session cache) instead of one per session. Keyed weakly, so a replaced leaf and its context are collected.
/// </summary>
internal static class ServerCertificateContexts
{
    private static readonly ConditionalWeakTable<X509Certificate2, SslStreamCertificateContext> s_contexts = new();

    public static SslStreamCertificateContext For(X509Certificate2 certificate) =>
        s_contexts.GetValue(certificate, static c => SslStreamCertificateContext.Create(c, additionalCertificates: null, offline: true));
}
