using System.CommandLine;
using SmtpTap.Probe;

namespace SmtpTap.Commands;

/// <summary>
/// <c>smtptap probe URL</c>: the manual telnet / <c>openssl s_client -starttls smtp</c> session as one
/// command: banner, EHLO, STARTTLS and the certificate, AUTH, a test message, then a summary.
/// </summary>
internal static class ProbeCommand
{
    internal static readonly Argument<string> Url = new("url") { Description = "smtp://host[:port] (default port 25, STARTTLS when offered) or smtps://host[:port] (default 465, implicit TLS)." };

    internal static readonly Option<bool> NoStartTls = new("--no-starttls") { Description = "Stay plaintext even if the server offers STARTTLS." };

    internal static readonly Option<bool> RequireTls = new("--require-tls") { Description = "Fail (exit 4) unless the session is encrypted." };

    internal static readonly Option<int> Timeout = new("--timeout") { Description = "Seconds to wait for each step (DNS, connect, each reply, the TLS handshake).", DefaultValueFactory = _ => 20 };

    internal static readonly Option<string?> Ehlo = new("--ehlo") { Description = "Name to send in EHLO (default: this machine's name, or smtptap.probe)." };

    internal static readonly Option<string[]> Ca = new("--ca") { Description = "Also trust this CA certificate (PEM or DER) when checking the server's certificate. Repeatable." };

    internal static readonly Option<bool> Insecure = new("--insecure") { Description = "Go on after a certificate problem (it is still reported, and the exit code is 5)." };

    internal static readonly Option<bool> StrictExpiry = new("--strict-expiry") { Description = "Treat a certificate that expires within 30 days as a problem (exit 5) rather than a warning." };

    internal static readonly Option<string?> User = new("--user") { Description = "Test AUTH with this user name." };

    internal static readonly Option<string?> PasswordEnv = new("--password-env") { Description = "Environment variable that holds the password." };

    internal static readonly Option<bool> PasswordStdin = new("--password-stdin") { Description = "Read the password (or token) from the first line of standard input." };

    internal static readonly Option<string?> TokenEnv = new("--token-env") { Description = "Environment variable that holds the OAuth2 access token (implies --auth XOAUTH2)." };

    internal static readonly Option<string?> Auth = new("--auth") { Description = "SASL mechanism: PLAIN, LOGIN, CRAM-MD5 or XOAUTH2 (default: the best the server offers among PLAIN, LOGIN, CRAM-MD5)." };

    internal static readonly Option<bool> AllowPlainAuth = new("--allow-plain-auth") { Description = "Allow AUTH without TLS to a server that is not on this machine." };

    internal static readonly Option<string?> From = new("--from") { Description = "Send a test message from this address (needs --to)." };

    internal static readonly Option<string[]> To = new("--to") { Description = "Recipient of the test message. Repeatable. An outside domain without --user is the open-relay test." };

    internal static readonly Option<string?> Subject = new("--subject") { Description = "Subject of the test message." };

    internal static readonly Option<string?> Body = new("--body") { Description = "Body text of the test message." };

    internal static readonly Option<string?> BodyFile = new("--body-file") { Description = "Read the body of the test message from this file." };

    internal static readonly Option<bool> Json = new("--json") { Description = "Print one JSON document with every finding instead of the transcript and summary." };

    internal static readonly Option<bool> MaskUsernames = new("--mask-usernames") { Description = "Mask the user name too (in the transcript and the JSON)." };

    public static Command Create(ProbeInput? input = null, TimeProvider? time = null)
    {
        var command = new Command("probe", "Test an SMTP server by hand in one command: banner, EHLO, STARTTLS and its certificate, AUTH, an optional test message; then one summary line per finding. " + ProbeExitCodes.HelpText);
        command.Arguments.Add(Url);
        foreach (var option in new Option[] { NoStartTls, RequireTls, Timeout, Ehlo, Ca, Insecure, StrictExpiry, User, PasswordEnv, PasswordStdin, TokenEnv, Auth, AllowPlainAuth, From, To, Subject, Body, BodyFile, Json, MaskUsernames })
        {
            command.Options.Add(option);
        }

        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            ProbeOptions options;
            try
            {
                options = ProbeOptionsBuilder.Build(parseResult, input ?? ProbeInput.FromConsole());
            }
            catch (UserInputException ex)
            {
                error.WriteLine("smtptap probe: " + ex.Message);
                return Task.FromResult(ProbeExitCodes.Usage);
            }

            return RunAsync(options, parseResult.GetValue(Json), output, error, time ?? TimeProvider.System, cancellationToken);
        });
        return command;
    }

    internal static async Task<int> RunAsync(ProbeOptions options, bool json, TextWriter output, TextWriter error, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var transcript = new ProbeTranscript(time, json ? null : entry => output.WriteLine(ProbeTextFormatter.Line(entry)));
        var report = await ProbeRunner.RunAsync(options, transcript, time, cancellationToken);
        var findings = ProbeFindings.From(report, options.Host, options.StrictExpiry);
        var exitCode = ProbeExitCodes.For(report, options.StrictExpiry);
        if (json)
        {
            await output.WriteLineAsync(ProbeJsonFormatter.Format(report, findings, exitCode));
        }
        else
        {
            ProbeTextFormatter.WriteSummary(output, report, findings, exitCode);
        }

        if (report.Error is { } failure)
        {
            await error.WriteLineAsync("smtptap probe: " + failure.Message);
        }

        await output.FlushAsync(CancellationToken.None);
        return exitCode;
    }
}
