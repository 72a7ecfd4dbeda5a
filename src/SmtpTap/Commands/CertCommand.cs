using System.CommandLine;
using SmtpTap.Certificates;

namespace SmtpTap.Commands;

/// <summary><c>smtptap cert init|show|export</c>: manage the local CA that signs the certificates SmtpTap presents.</summary>
internal static class CertCommand
{
    internal static string DefaultCertDirectory => HomePaths.DefaultCertDirectory;

    public static Command Create()
    {
        var certDir = new Option<string>("--cert-dir")
        {
            Description = "Folder holding the CA (ca.crt.pem, ca.key.pem) and cached leaf certificates (default: certs/ in the SmtpTap home, $SMTPTAP_HOME or ~/.config/smtptap)",
            DefaultValueFactory = _ => DefaultCertDirectory,
            Recursive = true,
            HelpName = "DIR",
        };

        var command = new Command("cert", "Manage SmtpTap's local certificate authority");
        command.Options.Add(certDir);
        command.Subcommands.Add(CertInitCommand.Create(certDir));
        command.Subcommands.Add(CertShowCommand.Create(certDir));
        command.Subcommands.Add(CertExportCommand.Create(certDir));
        return command;
    }

    /// <summary>The hint printed when a command needs a CA that is not there yet.</summary>
    internal static string NoCaMessage(string certDir)
    {
        var shown = certDir.EndsWith('/') || certDir.EndsWith(Path.DirectorySeparatorChar) ? certDir : certDir + "/";
        var init = certDir == DefaultCertDirectory ? "smtptap cert init" : $"smtptap cert init --cert-dir {certDir}";
        return $"no CA in {shown} yet; run {init}";
    }

    internal static void WriteDescription(TextWriter output, CertificateAuthority ca) => WriteDescription(output, ca.Certificate);

    internal static void WriteDescription(TextWriter output, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        foreach (var line in CertificateDescription.Describe(certificate))
        {
            output.WriteLine("  " + line);
        }
    }

    internal static void WriteTrustInstructions(TextWriter output, string certificatePath, CertificateExportFormat format, string caDirectory)
    {
        output.WriteLine();
        foreach (var line in TrustInstructions.For(certificatePath, format, caDirectory))
        {
            output.WriteLine(line);
        }
    }
}
