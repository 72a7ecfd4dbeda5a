namespace SmtpTap.Certificates.Internal;

/// <summary>A freshly signed leaf as PEM text, ready to be cached on disk and loaded for SslStream.</summary>
internal sealed record IssuedLeaf(string CertificatePem, string PrivateKeyPem);
