using System.CommandLine;
using SmtpTap.Certificates;

namespace SmtpTap.Commands;

/// <summary><c>smtptap cert export</c>: write the CA certificate (never its key) for import on a client machine.</summary>
internal static class CertExportCommand
{
    public static Command Create(Option<string> certDir)
    {
        var format = new Option<CertificateExportFormat>("--format")
        {
            Description = "pem (Linux, macOS, curl, Python) or der (Windows certutil, Java keytool)",
            DefaultValueFactory = _ => CertificateExportFormat.Pem,
            CustomParser = EnumOptionParser.For<CertificateExportFormat>("--format"),
            HelpName = "pem|der",
        };
        var output = new Option<string>("--out")
        {
            Description = "File to write the CA certificate to",
            Required = true,
            HelpName = "FILE",
        };

        var command = new Command("export", "Write the CA certificate (public part only) to a file");
        command.Options.Add(format);
        command.Options.Add(output);
        command.SetAction(parseResult => CertCommandRunner.Run(parseResult, (stdout, error) =>
        {
            var directory = parseResult.GetValue(certDir) ?? CertCommand.DefaultCertDirectory;
            var chosenFormat = parseResult.GetValue(format);
            var target = Path.GetFullPath(parseResult.GetValue(output)!);
            if (!CertificateAuthority.Exists(directory) && !CertShowCommand.AnyCaFile(directory))
            {
                error.WriteLine("smtptap: " + CertCommand.NoCaMessage(directory));
                return CertCommandRunner.UserError;
            }

            // Only the certificate is read: exporting it needs no access to the CA's private key.
            var caDirectory = Path.GetFullPath(directory);
            using var certificate = CertificateAuthority.ReadCertificate(caDirectory);
            if (string.Equals(target, Path.Combine(caDirectory, "ca.crt.pem"), StringComparison.Ordinal)
                || string.Equals(target, Path.Combine(caDirectory, "ca.key.pem"), StringComparison.Ordinal))
            {
                error.WriteLine($"smtptap: refusing to overwrite the CA's own file {target}; choose another --out");
                return CertCommandRunner.UserError;
            }

            CertificateFiles.Export(certificate, target, chosenFormat);
            stdout.WriteLine($"Wrote the CA certificate ({chosenFormat.ToString().ToUpperInvariant()}, no private key) to {target}");
            var fingerprint = CertificateDescription.Describe(certificate).First(l => l.StartsWith("SHA-256:", StringComparison.Ordinal));
            stdout.WriteLine("  " + fingerprint);
            if (chosenFormat == CertificateExportFormat.Der)
            {
                stdout.WriteLine("  DER suits Windows certutil, PowerShell Import-Certificate, macOS and Java keytool; Linux trust stores, curl, swaks and Python want PEM.");
            }

            CertCommand.WriteTrustInstructions(stdout, target, chosenFormat, caDirectory);
            return CertCommandRunner.Ok;
        }));
        return command;
    }
}
