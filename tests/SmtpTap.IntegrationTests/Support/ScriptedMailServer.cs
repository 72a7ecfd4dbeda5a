using System.Text;
using SmtpTap.Certificates;
using SmtpTap.Core.Protocol;

namespace SmtpTap.IntegrationTests.Support;

/// <summary>
/// A well-behaved scripted ESMTP server for hardening tests: it answers every command, takes DATA and BDAT,
/// counts committed messages, and does STARTTLS when <see cref="Leaves"/> is set. Tests then look at what
/// it received (lines and raw bytes) to prove what the tap did or did not forward.
/// </summary>
internal sealed class ScriptedMailServer
{
    public string[] Capabilities { get; init; } = ["PIPELINING", "8BITMIME", "SMTPUTF8"];

    /// <summary>Capabilities after STARTTLS (default: the same).</summary>
    public string[]? TlsCapabilities { get; init; }

    /// <summary>RCPT TO addresses answered "550 5.1.1 ... User unknown" (case-insensitive); all others get 250.</summary>
    public IReadOnlyCollection<string> RefusedRecipients { get; init; } = [];

    /// <summary>Certificates for STARTTLS; null: no STARTTLS offered.</summary>
    public Func<IServerCertificateSource>? Leaves { get; init; }

    public ScriptedServer Start() => new(ServeAsync);

    public async Task ServeAsync(ScriptedConnection c)
    {
        var tls = false;
        await c.SendAsync("220 scripted.test ESMTP\r\n");
        while (await c.ReadRawLineAsync() is { } line)
        {
            // Tokenized on runs of SP and HTAB, like Postfix's smtpd_token.
            var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var verb = words.Length > 0 ? words[0].ToUpperInvariant() : string.Empty;
            switch (verb)
            {
                case "EHLO":
                    var caps = tls ? TlsCapabilities ?? Capabilities : Capabilities;
                    if (!tls && Leaves is not null)
                    {
                        caps = [.. caps, "STARTTLS"];
                    }

                    await c.SendAsync(ScriptedConnection.EhloReply(caps));
                    break;
                case "STARTTLS" when Leaves is not null && !tls:
                    await c.SendAsync("220 2.0.0 Ready to start TLS\r\n");
                    await c.StartTlsAsServerAsync(Leaves());
                    tls = true;
                    break;
                case "DATA":
                    await c.SendAsync("354 End data with <CR><LF>.<CR><LF>\r\n");
                    if (await c.ReadDataRawAsync() is not { } message)
                    {
                        return;
                    }

                    lock (c.Server.Messages)
                    {
                        c.Server.Messages.Add(message);
                    }

                    Interlocked.Increment(ref c.Server.Committed);
                    await c.SendAsync("250 2.0.0 Ok: queued\r\n");
                    break;
                case "BDAT":
                    var parts = words;
                    if (await c.ReadExactAsync(long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)) is null)
                    {
                        return;
                    }

                    var last = parts.Length > 2 && parts[2].Equals("LAST", StringComparison.OrdinalIgnoreCase);
                    if (last)
                    {
                        Interlocked.Increment(ref c.Server.Committed);
                    }

                    await c.SendAsync(last ? "250 2.0.0 Ok: queued\r\n" : "250 2.0.0 chunk ok\r\n");
                    break;
                case "QUIT":
                    await c.SendAsync("221 2.0.0 Bye\r\n");
                    return;
                case "RCPT" when RefusedRecipients.Any(r => line.Contains("<" + r + ">", StringComparison.OrdinalIgnoreCase)):
                    await c.SendAsync("550 5.1.1 Recipient address rejected: User unknown\r\n");
                    break;
                case "MAIL" or "RCPT" or "RSET" or "NOOP" or "HELO":
                    await c.SendAsync("250 2.0.0 Ok\r\n");
                    break;
                case "AUTH" or "*":
                    await c.SendAsync("501 5.5.2 no\r\n");
                    break;
                default:
                    await c.SendAsync("500 5.5.2 Error: command not recognized\r\n");
                    break;
            }
        }
    }
}
