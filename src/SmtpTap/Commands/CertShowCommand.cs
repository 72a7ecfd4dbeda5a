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

            // With both files this loads; with only one it throws a message that says which is missing.
            using var ca = CertificateAuthority.LoadOrCreate(directory);
            output.WriteLine($"CA in {ca.Directory}:");
            CertCommand.WriteDescription(output, ca);
            output.WriteLine($"CA certificate: {ca.CertificatePath}");
            return CertCommandRunner.Ok;
        }));
        return command;
    }

    internal static bool AnyCaFile(string directory) =>
        File.Exists(Path.Combine(directory, "ca.crt.pem")) || File.Exists(Path.Combine(directory, "ca.key.pem"));
}
