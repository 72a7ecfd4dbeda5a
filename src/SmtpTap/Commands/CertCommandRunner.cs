using System.CommandLine;
using System.Security.Cryptography;

namespace SmtpTap.Commands;

/// <summary>Runs a <c>cert</c> subcommand body and turns failures into one clear line and an exit code.</summary>
internal static class CertCommandRunner
{
    public const int Ok = 0;
    public const int Unexpected = 1;
    public const int UserError = 2;

    public static int Run(ParseResult parseResult, Func<TextWriter, TextWriter, int> body)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var error = parseResult.InvocationConfiguration.Error;
        try
        {
            return body(output, error);
        }
        catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or DirectoryNotFoundException
            or UnauthorizedAccessException or ArgumentException or CryptographicException)
        {
            error.WriteLine("smtptap: " + OneLine(ex.Message));
            return UserError;
        }
        catch (Exception ex)
        {
            error.WriteLine($"smtptap: unexpected error ({ex.GetType().Name}): {OneLine(ex.Message)}");
            return Unexpected;
        }
    }

    private static string OneLine(string message) =>
        message.ReplaceLineEndings(" ").Trim();
}
