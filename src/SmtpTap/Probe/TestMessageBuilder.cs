using System.Globalization;
using System.Text;

namespace SmtpTap.Probe;

/// <summary>
/// Builds the DATA payload of the test message: Date, From, To, Subject, Message-ID and MIME headers,
/// the body with every line ending made CRLF, dot-stuffed (RFC 5321 4.5.2), ending in CRLF.CRLF.
/// </summary>
internal static class TestMessageBuilder
{
    public static IReadOnlyList<string> Headers(ProbeMessage message, DateTimeOffset now, string messageIdDomain, Guid id)
    {
        ArgumentNullException.ThrowIfNull(message);
        return
        [
            "Date: " + now.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + now.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", string.Empty, StringComparison.Ordinal),
            "From: " + OneLine(message.From),
            "To: " + string.Join(", ", message.To.Select(OneLine)),
            "Subject: " + OneLine(message.Subject),
            "Message-ID: <" + id.ToString("N") + "@" + messageIdDomain + ">",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "X-Mailer: smtptap probe",
        ];
    }

    /// <summary>Headers, empty line, body: the full DATA payload including the final ".".</summary>
    public static string Build(IReadOnlyList<string> headers, string body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var sb = new StringBuilder();
        foreach (var header in headers)
        {
            sb.Append(header).Append("\r\n");
        }

        sb.Append("\r\n");
        foreach (var line in BodyLines(body))
        {
            sb.Append(line.StartsWith('.') ? "." + line : line).Append("\r\n");
        }

        sb.Append(".\r\n");
        return sb.ToString();
    }

    /// <summary>The body split on CRLF, bare LF or bare CR; a trailing line break adds no empty line.</summary>
    public static IReadOnlyList<string> BodyLines(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var normalised = body.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (normalised.EndsWith('\n'))
        {
            normalised = normalised[..^1];
        }

        return normalised.Split('\n');
    }

    private static string OneLine(string text) => text.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
