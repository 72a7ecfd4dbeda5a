using System.Globalization;

namespace SmtpTap.OAuthIdp;

/// <summary>The command line of the loopback identity provider (no secret is ever an argument).</summary>
internal sealed class IdpOptions
{
    public const string Usage = """
        usage: oauth-idp --client-secret-env VAR [--port N] [--port-file F] [--user ADDRESS] [--daemon-mailbox ADDRESS]
                         [--signing-key F] [--public-key-out F] [--request-log F] [--secrets-file F]
          --client-secret-env VAR  environment variable holding the secret of the confidential client smtptap-daemon
          --port N                 port on 127.0.0.1 (default 0: a free one; see --port-file and the first output line)
          --port-file F            write the chosen port to F
          --user ADDRESS           the one user authorization and device codes are approved for (default oauth@interop.test)
          --daemon-mailbox ADDRESS email claim of client-credentials tokens (default oauth-daemon@interop.test)
          --signing-key F          RSA private key (PEM) that signs access tokens; created (mode 0600) when missing;
                                   default an ephemeral key
          --public-key-out F       write the signing key's public key (PEM) to F, e.g. for Dovecot's local validation
          --request-log F          append one JSON line per request (method, path, grant_type, status; never a secret)
          --secrets-file F         append every token, code and secret seen, one a line (mode 0600; for canary scans)
        """;

    public int Port { get; private set; }

    public string? PortFile { get; private set; }

    public string User { get; private set; } = "oauth@interop.test";

    public string DaemonMailbox { get; private set; } = "oauth-daemon@interop.test";

    public string ClientSecretEnv { get; private set; } = "";

    public string? SigningKey { get; private set; }

    public string? PublicKeyOut { get; private set; }

    public string? RequestLog { get; private set; }

    public string? SecretsFile { get; private set; }

    public static IdpOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var o = new IdpOptions();
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
                case "--port": o.Port = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture); break;
                case "--port-file": o.PortFile = value; break;
                case "--user": o.User = value; break;
                case "--daemon-mailbox": o.DaemonMailbox = value; break;
                case "--client-secret-env": o.ClientSecretEnv = value; break;
                case "--signing-key": o.SigningKey = value; break;
                case "--public-key-out": o.PublicKeyOut = value; break;
                case "--request-log": o.RequestLog = value; break;
                case "--secrets-file": o.SecretsFile = value; break;
                default: throw new ArgumentException($"unknown option {name}");
            }
        }

        if (o.ClientSecretEnv.Length == 0)
        {
            throw new ArgumentException("--client-secret-env is required");
        }

        if (o.Port > 65535)
        {
            throw new ArgumentException("--port must be 0..65535");
        }

        return o;
    }
}
