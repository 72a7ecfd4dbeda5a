using System.CommandLine;
using SmtpTap.Certificates;

namespace SmtpTap.Commands;

/// <summary><c>smtptap cert init</c>: create the CA if missing, then show it and how to trust it.</summary>
internal static class CertInitCommand
{
    public static Command Create(Option<string> certDir)
    {
        var command = new Command("init", "Create the local CA (if there is none yet) and show how to trust it");
        command.SetAction(parseResult => CertCommandRunner.Run(parseResult, (output, error) =>
        {
            var directory = parseResult.GetValue(certDir) ?? CertCommand.DefaultCertDirectory;
            var existed = CertificateAuthority.Exists(directory);
            if (!existed)
            {
                try
                {
                    PathChecks.WritableDirectory(directory, "--cert-dir");
                }
                catch (UserInputException ex)
                {
                    error.WriteLine("smtptap: " + ex.Message);
                    return CertCommandRunner.UserError;
                }
            }

            using var ca = CertificateAuthority.LoadOrCreate(directory);
            output.WriteLine(existed
                ? $"Found an existing CA in {ca.Directory} (left unchanged)."
                : $"Created a new CA in {ca.Directory}.");
            CertCommand.WriteDescription(output, ca);
            output.WriteLine($"CA certificate: {ca.CertificatePath}");
            output.WriteLine($"CA private key: {Path.Combine(ca.Directory, "ca.key.pem")} (keep it secret; never share or commit it)");
            CertCommand.WriteTrustInstructions(output, ca.CertificatePath, CertificateExportFormat.Pem, ca.Directory);
            return CertCommandRunner.Ok;
        }));
        return command;
    }
}
