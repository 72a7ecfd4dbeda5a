using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace SmtpTap.InteropClient;

/// <summary>
/// Sends one message with MailKit, for tests/interop/run-matrix.sh. Exit 0 when the server accepted it;
/// otherwise 1 with the server's reply (or the error) on standard error, 2 for a usage error.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        ClientOptions options;
        try
        {
            options = ClientOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            await Console.Error.WriteLineAsync($"usage error: {e.Message}\n{ClientOptions.Usage}").ConfigureAwait(false);
            return 2;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.TimeoutSeconds));
        try
        {
            var reply = await SendAsync(options, timeout.Token).ConfigureAwait(false);
            Console.WriteLine($"sent: {reply}");
            return 0;
        }
        catch (SmtpCommandException e)
        {
            await Console.Error.WriteLineAsync($"{(int)e.StatusCode} {e.Message} ({e.ErrorCode})").ConfigureAwait(false);
            return 1;
        }
        catch (AuthenticationException e)
        {
            await Console.Error.WriteLineAsync($"AUTH failed: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (Exception e) when (e is SmtpProtocolException or SslHandshakeException or ServiceNotConnectedException
            or IOException or System.Net.Sockets.SocketException or OperationCanceledException or NotSupportedException
            or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"{e.GetType().Name}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static async Task<string> SendAsync(ClientOptions options, CancellationToken cancellationToken)
    {
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.From));
        message.To.Add(MailboxAddress.Parse(options.To));
        message.Subject = options.Subject;
        var body = await File.ReadAllTextAsync(options.BodyFile, cancellationToken).ConfigureAwait(false);
        message.Body = new TextPart("plain") { Text = body };

        using var validator = options.CaFile is null ? null : new CaValidator(options.CaFile);
        using var client = new SmtpClient { Timeout = options.TimeoutSeconds * 1000, LocalDomain = "mailkit.interop.test" };
        if (validator is not null)
        {
            client.ServerCertificateValidationCallback = validator.Validate;
        }

        try
        {
            await client.ConnectAsync(options.Host, options.Port, options.Mode, cancellationToken).ConfigureAwait(false);
        }
        catch (SslHandshakeException) when (validator?.LastError is { } why)
        {
            throw new IOException("TLS handshake failed: " + why);
        }

        if (options.User is not null)
        {
            await AuthenticateAsync(client, options, cancellationToken).ConfigureAwait(false);
        }

        var reply = await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
        return reply;
    }

    private static async Task AuthenticateAsync(SmtpClient client, ClientOptions options, CancellationToken cancellationToken)
    {
        var credentials = new System.Net.NetworkCredential(options.User, options.ReadPassword());
        if (options.Mechanism is null)
        {
            await client.AuthenticateAsync(credentials, cancellationToken).ConfigureAwait(false);
            return;
        }

        SaslMechanism mechanism = options.Mechanism switch
        {
            "PLAIN" => new SaslMechanismPlain(credentials),
            "LOGIN" => new SaslMechanismLogin(credentials),
            "CRAM-MD5" => new SaslMechanismCramMd5(credentials),
            _ => throw new ArgumentException($"--mech {options.Mechanism} is not supported"),
        };
        await client.AuthenticateAsync(mechanism, cancellationToken).ConfigureAwait(false);
    }
}
