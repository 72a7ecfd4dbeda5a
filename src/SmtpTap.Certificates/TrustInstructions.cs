namespace SmtpTap.Certificates;

/// <summary>How to make clients trust the SmtpTap CA, system-wide and per tool.</summary>
public static class TrustInstructions
{
    /// <summary>Lines of text, ready to print, that name <paramref name="caCertPath"/> (PEM, in the CA's own folder) in each command.</summary>
    public static IReadOnlyList<string> For(string caCertPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(caCertPath);
        var path = Path.GetFullPath(caCertPath);
        return For(path, CertificateExportFormat.Pem, Path.GetDirectoryName(path) ?? ".");
    }

    /// <summary>
    /// Lines of text, ready to print, for a copy of the CA certificate at <paramref name="certificatePath"/> in
    /// <paramref name="format"/>: only commands that accept that format (Linux trust stores, curl, swaks and Python need
    /// PEM), and how to start over with the CA files in <paramref name="caDirectory"/>.
    /// </summary>
    public static IReadOnlyList<string> For(string certificatePath, CertificateExportFormat format, string caDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificatePath);
        ArgumentException.ThrowIfNullOrEmpty(caDirectory);
        var path = Path.GetFullPath(certificatePath);
        var folder = Path.GetFullPath(caDirectory);
        var lines = new List<string>
        {
            "Trust the SmtpTap CA on the machine that runs the mail client (only there, and only while you need it):",
            string.Empty,
        };
        if (format == CertificateExportFormat.Pem)
        {
            lines.AddRange(
            [
                "  Debian / Ubuntu:",
                $"    sudo cp '{path}' /usr/local/share/ca-certificates/smtptap.crt",
                "    sudo update-ca-certificates",
                "  RHEL / Fedora / CentOS:",
                $"    sudo cp '{path}' /etc/pki/ca-trust/source/anchors/smtptap.crt",
                "    sudo update-ca-trust",
            ]);
        }

        lines.AddRange(
        [
            "  Windows (elevated prompt):",
            $"    certutil -addstore -f Root \"{path}\"",
            $"    or in PowerShell: Import-Certificate -FilePath \"{path}\" -CertStoreLocation Cert:\\LocalMachine\\Root",
            "  macOS:",
            $"    sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain '{path}'",
            string.Empty,
            "Or trust it in one client only:",
        ]);
        if (format == CertificateExportFormat.Pem)
        {
            lines.AddRange(
            [
                $"  curl:         curl --cacert '{path}' ...",
                $"  swaks:        swaks --tls --tls-verify --tls-ca-path '{path}' ...",
                $"  Python:       ssl.create_default_context(cafile='{path}')",
            ]);
        }

        lines.AddRange(
        [
            "  .NET/MailKit: validate with an X509Chain whose ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust",
            "                and ChainPolicy.CustomTrustStore holding this CA (SslStream / SmtpClient.ServerCertificateValidationCallback)",
            $"  Java:         keytool -importcert -noprompt -alias smtptap -file '{path}' -keystore smtptap.jks -storepass changeit",
            "                then run with -Djavax.net.ssl.trustStore=smtptap.jks -Djavax.net.ssl.trustStorePassword=changeit",
        ]);
        if (format == CertificateExportFormat.Der)
        {
            lines.Add($"  Linux trust stores, curl, swaks and Python need PEM: smtptap cert export --cert-dir '{folder}' --format pem --out smtptap-ca.pem");
        }

        lines.Add(string.Empty);
        lines.Add($"To stop trusting it, remove it the same way; to start over, delete ca.crt.pem and ca.key.pem in {folder}.");
        return lines;
    }
}
