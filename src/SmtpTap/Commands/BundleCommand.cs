using System.CommandLine;
using SmtpTap.Bundle;
using SmtpTap.Configuration;

namespace SmtpTap.Commands;

/// <summary><c>smtptap bundle --transcripts DIR --session ID... --out FILE [--mask-addresses] [--cert-dir DIR]</c>: the support bundle of issue 14.</summary>
internal static class BundleCommand
{
    public static Command Create()
    {
        var command = new Command("bundle", "Write a support bundle (.zip): the selected session transcripts (as written and as JSON Lines), SmtpTap's version and effective settings (no secrets), the CA fingerprint and the tap's own log lines for those sessions.");
        var transcripts = new Option<string>("--transcripts") { Description = "The transcripts folder (smtptap proxy --transcripts DIR).", Required = true };
        var sessions = new Option<string[]>("--session") { Description = "A session id (e.g. s0003, the end of the transcript file name); several may be given.", Required = true, AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "The .zip file to write (mode 0600).", Required = true };
        var mask = new Option<bool>("--mask-addresses") { Description = "Also replace e-mail addresses, host names and IP addresses with stable pseudonyms (user1@domain1.example, host1.example, 192.0.2.N)." };
        command.Options.Add(transcripts);
        command.Options.Add(sessions);
        command.Options.Add(output);
        var certDir = new Option<string?>("--cert-dir") { Description = "The CA folder whose certificate fingerprint goes in the bundle (only ca.crt.pem is read; default: the proxy's --cert-dir setting)." };
        command.Options.Add(mask);
        command.Options.Add(certDir);
        command.SetAction(parseResult =>
        {
            var stdout = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var outFile = parseResult.GetValue(output)!;
            try
            {
                var ids = parseResult.GetValue(sessions)!;
                var (files, tapLog) = BundleSources.FromFolder(parseResult.GetValue(transcripts)!, ids);
                if (!ProxyConfiguration.TryApply(ProxyCommand.Options, [], ProxyConfiguration.Environment(), out _, out var settings, out var problem))
                {
                    throw new UserInputException(problem ?? "the proxy settings cannot be read");
                }

                var (fingerprint, note) = BundleSources.CaFingerprint(parseResult.GetValue(certDir) ?? BundleSources.CertDirectory(settings));
                var masked = parseResult.GetValue(mask);
                var input = new BundleInput(files, BundleSources.Version, settings, fingerprint, note, tapLog,
                    "smtptap bundle from the transcript files; settings are this environment's proxy settings (SMTPTAP_* and defaults)" + (masked ? "; --mask-addresses" : string.Empty),
                    DateTimeOffset.UtcNow, masked);
                Write(outFile, SupportBundle.Build(input));
                stdout.WriteLine($"Support bundle of {string.Join(", ", ids)} ({files.Count} transcript file(s)) written to {Path.GetFullPath(outFile)}");
                return ExitCodes.Ok;
            }
            catch (UserInputException ex)
            {
                error.WriteLine("smtptap bundle: " + ex.Message);
                return ExitCodes.Usage;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"smtptap bundle: cannot write {Path.GetFullPath(outFile)}: {ex.Message.ReplaceLineEndings(" ").Trim()}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }

    /// <summary>Writes the zip readable by its owner only (0600 on Unix), replacing an existing file.</summary>
    private static void Write(string path, byte[] zip)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        {
            stream.Write(zip);
        }

        if (!OperatingSystem.IsWindows())
        {
            // An existing file keeps its mode on open: set it.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
