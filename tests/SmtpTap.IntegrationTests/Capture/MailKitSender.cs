using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace SmtpTap.IntegrationTests.Capture;

/// <summary>Builds test messages and sends them with a real MailKit client (certificate pinned by thumbprint when TLS is used).</summary>
internal static class MailKitSender
{
    public static MimeMessage CreateMessage(string subject = "Capture test", string body = "Hello from MailKit.\r\n.leading dot line\r\n")
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", "sender@example.com"));
        message.To.Add(new MailboxAddress("One", "one@example.com"));
        message.To.Add(new MailboxAddress("Two", "two@example.com"));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    public static SmtpClient CreateClient(TestCertificate? certificate = null)
    {
        var client = new SmtpClient { Timeout = 30_000 };
        if (certificate is not null)
        {
            client.ServerCertificateValidationCallback = (_, presented, _, _) => certificate.Validate(presented);
        }

        return client;
    }

    public static async Task SendAsync(int port, MimeMessage message, SecureSocketOptions security = SecureSocketOptions.None, TestCertificate? certificate = null)
    {
        using var client = CreateClient(certificate);
        await client.ConnectAsync("127.0.0.1", port, security).WaitAsync(CaptureTestServer.Timeout);
        await client.SendAsync(message).WaitAsync(CaptureTestServer.Timeout);
        await client.DisconnectAsync(quit: true).WaitAsync(CaptureTestServer.Timeout);
    }
}
