namespace SmtpTap.Certificates;

/// <summary>How to make clients trust the SmtpTap CA, system-wide and per tool.</summary>
public static class TrustInstructions
{
    /// <summary>Lines of text, ready to print, that name <paramref name="caCertPath"/> in each command.</summary>
    public static IReadOnlyList<string> For(string caCertPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(caCertPath);
        var path = Path.GetFullPath(caCertPath);
        var folder = Path.GetDirectoryName(path) ?? ".";
        return
        [
            "Trust the SmtpTap CA on the machine that runs the mail client (only there, and only while you need it):",
            "",
            "  Debian / Ubuntu:",
            $"    sudo cp '{path}' /usr/local/share/ca-certificates/smtptap.crt",
            "    sudo update-ca-certificates",
            "  RHEL / Fedora / CentOS:",
            $"    sudo cp '{path}' /etc/pki/ca-trust/source/anchors/smtptap.crt",
            "    sudo update-ca-trust",
            "  Windows (elevated prompt):",
            $"    certutil -addstore -f Root \"{path}\"",
            $"    or in PowerShell: Import-Certificate -FilePath \"{path}\" -CertStoreLocation Cert:\\LocalMachine\\Root",
            "  macOS:",
            $"    sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain '{path}'",
            "",
            "Or trust it in one client only:",
            $"  curl:         curl --cacert '{path}' ...",
            $"  swaks:        swaks --tls --tls-ca-path '{path}' ...",
            $"  Python:       ssl.create_default_context(cafile='{path}')",
            "  .NET/MailKit: validate with an X509Chain whose ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust",
            "                and ChainPolicy.CustomTrustStore holding this CA (SslStream / SmtpClient.ServerCertificateValidationCallback)",
            $"  Java:         keytool -importcert -noprompt -alias smtptap -file '{path}' -keystore smtptap.jks -storepass changeit",
            "                then run with -Djavax.net.ssl.trustStore=smtptap.jks -Djavax.net.ssl.trustStorePassword=changeit",
            "",
            $"To stop trusting it, remove it the same way; to start over, delete ca.crt.pem and ca.key.pem in {folder}.",
        ];
    }
}
