using System.Security.Cryptography;
using MimeKit;

namespace SmtpTap.IntegrationTests.Support;

/// <summary>Messages for end-to-end tests and the exact bytes MailKit sends for them.</summary>
internal static class TestMessages
{
    public static MimeMessage Simple(string tag, string body = "Hello through the tap.\r\n.A line that starts with a dot.\r\n..Two dots.\r\n")
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", "sender@example.test"));
        message.To.Add(new MailboxAddress("Recipient", "rcpt@example.test"));
        message.Subject = "SmtpTap test " + tag;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("example.test");
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    /// <summary>The bytes MailKit's SmtpClient writes as message content (CRLF line ends, ending in CRLF, unstuffed).</summary>
    public static byte[] WireBytes(MimeMessage message)
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        options.EnsureNewLine = true;
        using var stream = new MemoryStream();
        message.WriteTo(options, stream);
        return stream.ToArray();
    }

    public static string Sha256(byte[] data) => Convert.ToHexString(SHA256.HashData(data));
}
