using System.Text.Json;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Web;

/// <summary>Messages for the message page's tests, sent with MailKit through a <see cref="WebTap"/>.</summary>
internal static class MessageMail
{
    public static readonly byte[] Attachment = [.. "%PDF-1.4\n"u8, 0, 1, 2, 0xff, .. "quarterly figures"u8];

    /// <summary>multipart/mixed: multipart/alternative (text/plain, text/html) and a PDF attachment.</summary>
    public static MimeMessage Rich(string subject, string html, string text = "Plain text part.\r\n", params (string Name, string Value)[] extraHeaders)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender", "sender@example.test"));
        message.To.Add(new MailboxAddress("Recipient", "rcpt@example.test"));
        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("example.test");
        foreach (var (name, value) in extraHeaders)
        {
            message.Headers.Add(name, value);
        }

        var body = new BodyBuilder { TextBody = text, HtmlBody = html };
        body.Attachments.Add("report.pdf", Attachment, new ContentType("application", "pdf"));
        message.Body = body.ToMessageBody();
        return message;
    }

    /// <summary>Sends over plain SMTP (the tap's CA is not trusted here), with AUTH PLAIN when a user is given, to each recipient.</summary>
    public static async Task SendAsync(int port, MimeMessage message, string? user = null, string? password = null, params string[] recipients)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var client = new TolerantSmtpClient();
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None, timeout.Token);
        if (user is not null)
        {
            client.AuthenticationMechanisms.Clear();
            client.AuthenticationMechanisms.Add("PLAIN");
            await client.AuthenticateAsync(user, password ?? string.Empty, timeout.Token);
        }

        var to = recipients.Length == 0 ? null : recipients.Select(r => new MailboxAddress(null, r)).ToList();
        if (to is null)
        {
            await client.SendAsync(message, timeout.Token);
        }
        else
        {
            await client.SendAsync(message, new MailboxAddress(null, "sender@example.test"), to, timeout.Token);
        }

        await client.DisconnectAsync(quit: true, timeout.Token);
    }

    /// <summary>The id of the only message of the only session, once the web UI has it.</summary>
    /// <param name="tap">The tap.</param>
    /// <param name="page">The page's address to use instead of the printed one (with its ?token=), e.g. on 127.0.0.1 for a 0.0.0.0 bind.</param>
    public static async Task<string> OnlyMessageIdAsync(WebTap tap, Uri? page = null)
    {
        async Task<JsonElement> GetJsonAsync(string path) => page is null
            ? await tap.GetJsonAsync(path)
            : JsonDocument.Parse(await WebTap.Http.GetStringAsync(new Uri(page, path + page.Query))).RootElement.Clone();

        var id = string.Empty;
        var deadline = DateTime.UtcNow + Eventually.DefaultWait;
        while (id.Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting until the message is listed");
            var sessions = (await GetJsonAsync("/api/sessions")).GetProperty("sessions");
            if (sessions.GetArrayLength() == 1)
            {
                var messages = (await GetJsonAsync("/api/sessions/" + sessions[0].GetProperty("id").GetString() + "/messages")).GetProperty("messages");
                id = messages.GetArrayLength() == 1 ? messages[0].GetProperty("id").GetString()! : string.Empty;
            }

            if (id.Length == 0)
            {
                await Task.Delay(50);
            }
        }

        return id;
    }

    public static IEnumerable<JsonElement> Children(JsonElement node) => node.GetProperty("children").EnumerateArray();

    /// <summary>MailKit's client, but a refused recipient does not stop the message: the others still get it.</summary>
    private sealed class TolerantSmtpClient : SmtpClient
    {
        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
        {
        }
    }
}
