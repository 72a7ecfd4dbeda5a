using System.CommandLine;
using SmtpTap.Certificates;

namespace SmtpTap.Commands;

/// <summary><c>smtptap cert show</c>: describe the CA; never creates one.</summary>
internal static class CertShowCommand
{
    public static Command Create(Option<string> certDir)
    {
        var command = new Command("show", "Describe the local CA certificate (subject, validity, SHA-256 fingerprint)");
        command.SetAction(parseResult => CertCommandRunner.Run(parseResult, (output, error) =>
        {
            var directory = parseResult.GetValue(certDir) ?? CertCommand.DefaultCertDirectory;
            if (!CertificateAuthority.Exists(directory) && !AnyCaFile(directory))
            {
                error.WriteLine("smtptap: " + CertCommand.NoCaMessage(directory));
                return CertCommandRunner.UserError;
            }

            // Only the certificate is read: showing the CA needs no access to its private key.
            var full = Path.GetFullPath(directory);
            using var certificate = CertificateAuthority.ReadCertificate(full);
            output.WriteLine($"CA in {full}:");
            CertCommand.WriteDescription(output, certificate);
            output.WriteLine($"CA certificate: {Path.Combine(full, "ca.crt.pem")}");
            if (!File.Exists(Path.Combine(full, "ca.key.pem")))
            {
                error.WriteLine($"smtptap: warning: {Path.Combine(full, "ca.key.pem")} is missing; the proxy cannot issue certificates with this CA until it is restored");
            }

            return CertCommandRunner.Ok;
        }));
        return command;
    }

    internal static bool AnyCaFile(string directory) =>
        File.Exists(Path.Combine(directory, "ca.crt.pem")) || File.Exists(Path.Combine(directory, "ca.key.pem"));
}
