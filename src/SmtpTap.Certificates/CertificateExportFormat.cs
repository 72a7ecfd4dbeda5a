namespace SmtpTap.Certificates;

/// <summary>File format for <see cref="CertificateFiles.Export"/>: the public certificate only, never a key.</summary>
public enum CertificateExportFormat
{
    /// <summary>Base64 text between <c>-----BEGIN CERTIFICATE-----</c> lines (what most tools and Linux trust stores want).</summary>
    Pem,

    /// <summary>Raw binary DER (what Windows <c>certutil</c> and Java <c>keytool</c> accept as well).</summary>
    Der,
}
