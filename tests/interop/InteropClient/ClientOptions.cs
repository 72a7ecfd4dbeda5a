using MailKit.Security;

namespace SmtpTap.InteropClient;

/// <summary>Command line of the interop client. Every value is required unless noted.</summary>
internal sealed class ClientOptions
{
    public string Host { get; private set; } = "127.0.0.1";

    public int Port { get; private set; }

    public SecureSocketOptions Mode { get; private set; } = SecureSocketOptions.None;

    public string? CaFile { get; private set; }

    public string? User { get; private set; }

    public string? PasswordEnv { get; private set; }

    public string? Mechanism { get; private set; }

    public string From { get; private set; } = "";

    public string To { get; private set; } = "";

    public string Subject { get; private set; } = "interop";

    public string BodyFile { get; private set; } = "";

    public int TimeoutSeconds { get; private set; } = 20;

    public const string Usage =
        "interop-client --port P --mode plain|starttls|smtps [--host 127.0.0.1] [--ca FILE] " +
        "[--user U --password-env VAR [--mech PLAIN|LOGIN|CRAM-MD5]] --from A --to B [--subject S] --body-file F [--timeout S]";

    public static ClientOptions Parse(IReadOnlyList<string> args)
    {
        var o = new ClientOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value");
            }

            var value = args[++i];
            switch (name)
            {
                case "--host": o.Host = value; break;
                case "--port": o.Port = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "--mode": o.Mode = ParseMode(value); break;
                case "--ca": o.CaFile = value; break;
                case "--user": o.User = value; break;
                case "--password-env": o.PasswordEnv = value; break;
                case "--mech": o.Mechanism = value.ToUpperInvariant(); break;
                case "--from": o.From = value; break;
                case "--to": o.To = value; break;
                case "--subject": o.Subject = value; break;
                case "--body-file": o.BodyFile = value; break;
                case "--timeout": o.TimeoutSeconds = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {name}");
            }
        }

        if (o.Port <= 0 || o.From.Length == 0 || o.To.Length == 0 || o.BodyFile.Length == 0)
        {
            throw new ArgumentException("--port, --from, --to and --body-file are required");
        }

        if (o.User is not null && o.PasswordEnv is null)
        {
            throw new ArgumentException("--user needs --password-env");
        }

        return o;
    }

    /// <summary>The password from the named environment variable (never from the command line).</summary>
    public string ReadPassword()
    {
        var value = Environment.GetEnvironmentVariable(PasswordEnv!);
        return value ?? throw new ArgumentException($"environment variable {PasswordEnv} is not set");
    }

    private static SecureSocketOptions ParseMode(string value) => value switch
    {
        "plain" => SecureSocketOptions.None,
        "starttls" => SecureSocketOptions.StartTls,
        "smtps" => SecureSocketOptions.SslOnConnect,
        _ => throw new ArgumentException($"--mode must be plain, starttls or smtps, got {value}"),
    };
}
