using System.Text;
using SmtpTap.Core.Transcript;
using SmtpTap.Web;

namespace SmtpTap.Tests.Web;

public sealed class MessageViewTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("smtptap-msgview-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static StoredMessage Stored(string? path) => new(
        "s0007-2",
        new RelayedMessage("s0007", 2, DateTimeOffset.UnixEpoch, new EnvelopeCommand("MAIL FROM:<a@example.test>", "a@example.test", new ShownReply(250, ["2.1.0 Ok"])), [], new ShownReply(250, ["2.0.0 Ok"]), false, path),
        path);

    [Fact]
    public async Task WithoutAStoredCopy_TheEnvelopeIsShown_AndWhyThereIsNoContent()
    {
        var detail = await MessageView.DescribeAsync(Stored(null), CancellationToken.None);

        Assert.False(detail.Stored);
        Assert.Contains("--capture-dir", detail.NotStoredReason, StringComparison.Ordinal);
        Assert.Equal("a@example.test", detail.Envelope.MailFrom!.Address);
        Assert.Null(detail.RawUrl);
        Assert.Empty(detail.Headers);
    }

    [Fact]
    public async Task NestedParts_GetPathIds_EncodedHeadersAreDecodedAndEscaped_AndEightBitHeadersAreFlagged()
    {
        var path = Path.Combine(_directory, "m.eml");
        var eml = "Subject: =?utf-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes("caf\u00e9 \u202Eexe")) + "?=\r\n"
            + "X-Raw: na\u00efve\r\n"
            + "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n"
            + "--o\r\nContent-Type: multipart/alternative; boundary=\"i\"\r\n\r\n"
            + "--i\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n"
            + "--i\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--i--\r\n"
            + "--o\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nx\r\n--o--\r\n";
        await File.WriteAllBytesAsync(path, Encoding.UTF8.GetBytes(eml));

        var detail = await MessageView.DescribeAsync(Stored(path), CancellationToken.None);

        Assert.Equal("caf\u00e9 \\u{202E}exe", detail.Subject);
        Assert.True(detail.Facts!.NonAsciiHeaders);
        Assert.False(detail.Facts.EightBitBody);
        Assert.Equal(["1.1.1", "1.1.2"], detail.Mime!.Children[0].Children.Select(c => c.PartId));
        Assert.Equal("hello", detail.Text);
        Assert.Equal("/api/messages/s0007-2/html", detail.HtmlUrl);
        var inner = Assert.Single(detail.Attachments);
        Assert.Equal(("1.2", "message/rfc822"), (inner.PartId, inner.ContentType));

        using var file = File.OpenRead(path);
        var body = (await MimeKit.MimeMessage.LoadAsync(file)).Body!;
        Assert.Equal("text/html", MessageView.Find(body, "1.1.2")!.ContentType.MimeType);
        Assert.Null(MessageView.Find(body, "1.3"));
        Assert.Null(MessageView.Find(body, "2"));
        Assert.Equal("<p>hi</p>", MessageView.FirstHtml(body)!.Text.TrimEnd());
    }
}
