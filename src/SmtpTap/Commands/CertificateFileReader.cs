using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTap.Commands;

/// <summary>Reads certificate files named on the command line, turning failures into one clear message.</summary>
internal static class CertificateFileReader
{
    public static X509Certificate2 ReadCertificate(string path, string option) =>
        Run(() => X509CertificateLoader.LoadCertificateFromFile(path), path, option);

    public static X509Certificate2 Run(Func<X509Certificate2> load, string path, string option = "--cert")
    {
        if (!File.Exists(path))
        {
            throw new UserInputException($"{option} {path}: file not found");
        }

        try
        {
            return load();
        }
        catch (CryptographicException ex)
        {
            throw new UserInputException($"{option} {path}: not a readable certificate ({ex.Message})");
        }
        catch (IOException ex)
        {
            throw new UserInputException($"{option} {path}: {ex.Message}");
        }
    }
}
