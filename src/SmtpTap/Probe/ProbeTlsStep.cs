using System.Globalization;
using System.Security.Authentication;
using SmtpTap.Core.Relay;

namespace SmtpTap.Probe;

/// <summary>The TLS handshake (implicit or after STARTTLS) with the certificate findings written to the transcript.</summary>
internal static class ProbeTlsStep
{
    public static async Task<TlsReport> HandshakeAsync(ProbeChannel channel, ProbeOptions options, string mode, TimeProvider time, Action<TlsReport?> record, CancellationToken cancellationToken)
    {
        var inspector = new CertificateInspector(options.TrustedCas, options.Insecure, time, mode);
        var transcript = channel.Transcript;
        transcript.Event($"TLS handshake ({mode}) with {options.Host}");
        TlsFacts facts;
        using (var cts = channel.Linked(cancellationToken))
        {
            try
            {
                facts = await channel.Connection.UpgradeAsClientAsync(options.Host, inspector.Validate, cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                record(inspector.Report);
                throw new ProbeStepException(ProbeFailureKind.Tls, $"timed out after {channel.Seconds}s waiting for the TLS handshake");
            }
            catch (AuthenticationException ex)
            {
                record(inspector.Report);
                if (inspector.Report is { CertificateOk: false } bad && !options.Insecure)
                {
                    WriteChain(transcript, bad);
                    throw new ProbeStepException(ProbeFailureKind.Certificate, "certificate rejected: " + string.Join("; ", TlsVerdict.Problems(bad, options.Host)) + " (--insecure goes on anyway)");
                }

                throw new ProbeStepException(ProbeFailureKind.Tls, "TLS handshake failed: " + TlsFailure.Describe(ex));
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
            {
                record(inspector.Report);
                throw new ProbeStepException(ProbeFailureKind.Tls, "the server closed the connection during the TLS handshake (" + TlsFailure.Describe(ex) + ")");
            }
        }

        var tls = (inspector.Report ?? new TlsReport { Mode = mode }) with { Protocol = Protocol(facts.Protocol), Cipher = facts.CipherSuite };
        record(tls);
        transcript.Event($"TLS established: {tls.Protocol}, {tls.Cipher}");
        WriteChain(transcript, tls);
        return tls;
    }

    private static void WriteChain(ProbeTranscript transcript, TlsReport tls)
    {
        for (var i = 0; i < tls.Chain.Count; i++)
        {
            var c = tls.Chain[i];
            transcript.Event(string.Create(CultureInfo.InvariantCulture, $"certificate {i}: {c.Subject}; SANs: {(c.Sans.Count == 0 ? "(none)" : string.Join(", ", c.Sans))}; issuer: {c.Issuer}; valid {c.NotBefore:yyyy-MM-dd} to {c.NotAfter:yyyy-MM-dd} ({c.DaysLeft} days left)"));
        }
    }

    private static string Protocol(string sslProtocol) => sslProtocol switch
    {
        "Tls13" => "TLS 1.3",
        "Tls12" => "TLS 1.2",
        "Tls11" => "TLS 1.1",
        "Tls" => "TLS 1.0",
        _ => sslProtocol,
    };
}
