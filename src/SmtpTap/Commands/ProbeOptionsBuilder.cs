using System.CommandLine;
using System.Globalization;
using SmtpTap.Core.Hosting;
using SmtpTap.Probe;

namespace SmtpTap.Commands;

/// <summary>Turns the parsed <c>probe</c> command line into <see cref="ProbeOptions"/>; every problem is one <see cref="UserInputException"/> line.</summary>
internal static class ProbeOptionsBuilder
{
    public const string FallbackEhloName = "smtptap.probe";

    public static ProbeOptions Build(ParseResult parseResult, ProbeInput input)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        ArgumentNullException.ThrowIfNull(input);
        var url = parseResult.GetValue(ProbeCommand.Url) ?? string.Empty;
        if (!EndpointUrl.TryParse(url, ["smtp", "smtps"], out var scheme, out var host, out var port, out var problem))
        {
            throw new UserInputException(problem!);
        }

        if (port == 0)
        {
            throw new UserInputException($"'{url}': port 0 is not a server port");
        }

        var implicitTls = scheme == "smtps";
        var noStartTls = parseResult.GetValue(ProbeCommand.NoStartTls);
        var requireTls = parseResult.GetValue(ProbeCommand.RequireTls);
        if (noStartTls && requireTls)
        {
            throw new UserInputException("--no-starttls and --require-tls contradict each other");
        }

        if (noStartTls && implicitTls)
        {
            throw new UserInputException("--no-starttls applies to smtp:// only; smtps:// is TLS from the first byte");
        }

        var timeout = parseResult.GetValue(ProbeCommand.Timeout);
        if (timeout is < 1 or > 3600)
        {
            throw new UserInputException("--timeout must be from 1 to 3600 seconds");
        }

        var ehlo = parseResult.GetValue(ProbeCommand.Ehlo) ?? DefaultEhloName();
        if (ehlo.Length == 0 || ehlo.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new UserInputException("--ehlo must be one word (a host name or an address literal)");
        }

        return new ProbeOptions
        {
            Host = host,
            Port = port ?? (implicitTls ? ProbeOptions.DefaultSmtpsPort : ProbeOptions.DefaultSmtpPort),
            ImplicitTls = implicitTls,
            NoStartTls = noStartTls,
            RequireTls = requireTls,
            Timeout = TimeSpan.FromSeconds(timeout),
            EhloName = ehlo,
            TrustedCas = (parseResult.GetValue(ProbeCommand.Ca) ?? []).Select(f => CertificateFileReader.ReadCertificate(f, "--ca")).ToArray(),
            Insecure = parseResult.GetValue(ProbeCommand.Insecure),
            StrictExpiry = parseResult.GetValue(ProbeCommand.StrictExpiry),
            AllowPlainAuth = parseResult.GetValue(ProbeCommand.AllowPlainAuth),
            MaskUsernames = parseResult.GetValue(ProbeCommand.MaskUsernames),
            Message = BuildMessage(parseResult),
            Credentials = BuildCredentials(parseResult, input),
        };
    }

    public static string DefaultEhloName()
    {
        string name;
        try
        {
            name = Environment.MachineName;
        }
        catch (InvalidOperationException)
        {
            return FallbackEhloName;
        }

        var ok = name.Length is > 0 and <= 63 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.') && !name.StartsWith('-');
        return ok ? name.ToLowerInvariant() : FallbackEhloName;
    }

    private static ProbeCredentials? BuildCredentials(ParseResult parseResult, ProbeInput input)
    {
        var user = parseResult.GetValue(ProbeCommand.User);
        var passwordEnv = parseResult.GetValue(ProbeCommand.PasswordEnv);
        var tokenEnv = parseResult.GetValue(ProbeCommand.TokenEnv);
        var stdin = parseResult.GetValue(ProbeCommand.PasswordStdin);
        var auth = parseResult.GetValue(ProbeCommand.Auth);
        if (user is null)
        {
            if (passwordEnv is not null || tokenEnv is not null || stdin || auth is not null)
            {
                throw new UserInputException("--password-env, --token-env, --password-stdin and --auth need --user");
            }

            return null;
        }

        if (user.Length == 0)
        {
            throw new UserInputException("--user must not be empty");
        }

        var mechanism = auth?.ToUpperInvariant();
        if (mechanism is not null && !SaslResponses.Supported.Contains(mechanism))
        {
            throw new UserInputException($"--auth {auth}: the probe speaks {string.Join(", ", SaslResponses.Supported)}");
        }

        if (tokenEnv is not null)
        {
            mechanism ??= "XOAUTH2";
            if (mechanism != "XOAUTH2")
            {
                throw new UserInputException("--token-env goes with --auth XOAUTH2; use --password-env for " + mechanism);
            }
        }

        var isToken = mechanism == "XOAUTH2";
        if (isToken && passwordEnv is not null)
        {
            throw new UserInputException("XOAUTH2 takes an access token: use --token-env VAR (or --password-stdin)");
        }

        var sources = (passwordEnv is null ? 0 : 1) + (tokenEnv is null ? 0 : 1) + (stdin ? 1 : 0);
        if (sources > 1)
        {
            throw new UserInputException("give the secret one way only: --password-env, --token-env or --password-stdin");
        }

        var what = isToken ? "token" : "password";
        var secret = ReadSecret(input, passwordEnv ?? tokenEnv, stdin, what, user);
        if (secret.Length == 0)
        {
            throw new UserInputException($"the {what} is empty");
        }

        return new ProbeCredentials(user, new ProbeSecret(secret), mechanism);
    }

    private static string ReadSecret(ProbeInput input, string? variable, bool stdin, string what, string user)
    {
        if (variable is not null)
        {
            return input.GetEnvironment(variable) ?? throw new UserInputException($"environment variable {variable} is not set (it should hold the {what})");
        }

        if (stdin)
        {
            return (input.ReadStandardInputLine() ?? throw new UserInputException($"--password-stdin: standard input is empty (expected the {what} on its first line)")).TrimEnd('\r', '\n');
        }

        if (!input.CanPrompt)
        {
            throw new UserInputException($"no {what} for --user: standard input is not a terminal, so smtptap cannot prompt; use --password-env VAR{(what == "token" ? " (--token-env VAR)" : string.Empty)} or --password-stdin");
        }

        return input.PromptWithoutEcho(string.Create(CultureInfo.InvariantCulture, $"{(what == "token" ? "Token" : "Password")} for {user}: ")) ?? string.Empty;
    }

    private static ProbeMessage? BuildMessage(ParseResult parseResult)
    {
        var from = parseResult.GetValue(ProbeCommand.From);
        var to = parseResult.GetValue(ProbeCommand.To) ?? [];
        var subject = parseResult.GetValue(ProbeCommand.Subject);
        var body = parseResult.GetValue(ProbeCommand.Body);
        var bodyFile = parseResult.GetValue(ProbeCommand.BodyFile);
        if (from is null && to.Length == 0)
        {
            if (subject is not null || body is not null || bodyFile is not null)
            {
                throw new UserInputException("--subject, --body and --body-file need --from and --to");
            }

            return null;
        }

        if (from is null || to.Length == 0)
        {
            throw new UserInputException("a test message needs both --from and at least one --to");
        }

        if (body is not null && bodyFile is not null)
        {
            throw new UserInputException("give --body or --body-file, not both");
        }

        foreach (var address in to.Prepend(from))
        {
            if (address.Any(c => c is '\r' or '\n') || (address.Length > 0 && !ProbeMailSender.Address(address).Contains('@', StringComparison.Ordinal)))
            {
                throw new UserInputException($"'{address}' is not a mail address (expected user@domain)");
            }
        }

        var message = new ProbeMessage { From = from, To = to };
        message = subject is null ? message : message with { Subject = subject };
        if (bodyFile is not null)
        {
            try
            {
                return message with { Body = File.ReadAllText(bodyFile) };
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new UserInputException($"--body-file {bodyFile}: {ex.Message}");
            }
        }

        return body is null ? message : message with { Body = body };
    }
}
