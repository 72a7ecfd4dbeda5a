using System.Text;

namespace SmtpTap.Bench.Client;

/// <summary>Message content for the load: a 10 KB message with headers, and 64 KB blocks of text lines for streaming.</summary>
internal static class MessageContent
{
    private const string Line = "The quick brown fox jumps over the lazy dog while the tap relays every byte of it.\r\n";

    /// <summary>About <paramref name="size"/> bytes of headers and body, followed by CRLF.CRLF.</summary>
    public static byte[] WithEnd(int size)
    {
        var text = new StringBuilder(size + 128);
        text.Append("From: bench@client.test\r\nTo: sink@sink.test\r\nSubject: SmtpTap benchmark\r\nMessage-ID: <bench@client.test>\r\n\r\n");
        while (text.Length + Line.Length <= size)
        {
            text.Append(Line);
        }

        text.Append(".\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>A block of whole CRLF lines (no line starts with a dot), for streaming a message of any size.</summary>
    public static byte[] Block(int size)
    {
        var text = new StringBuilder(size);
        while (text.Length + Line.Length <= size)
        {
            text.Append(Line);
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    public static byte[] Headers { get; } = Encoding.ASCII.GetBytes("From: bench@client.test\r\nTo: sink@sink.test\r\nSubject: SmtpTap benchmark, large\r\n\r\n");

    public static byte[] End { get; } = ".\r\n"u8.ToArray();
}
