using System.Net;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Web;

/// <summary>The message API (<c>/api/messages/{id}</c>, <c>/raw</c>, <c>/parts/{partId}</c>, <c>/html</c>) of the real process, with MailKit as the client.</summary>
public sealed class MessageApiTests
{
    private const string Html = "<p>Quarterly <b>figures</b></p><script>document.title='pwned'</script>";

    [Fact]
    public async Task CaptureUpstream_MessageHasEnvelopeHeadersMimeTreeText_RawIsTheBytesSent_PartsDownloadAsOctetStreams()
    {
        var secret = "MsgCanary-" + Guid.NewGuid().ToString("N")[..12];
        await using var tap = await WebTap.StartAsync();
        var message = MessageMail.Rich("Quarterly report", Html);

        await MessageMail.SendAsync(tap.SmtpPort, message, "canary-user", secret);
        var id = await MessageMail.OnlyMessageIdAsync(tap);

        var detail = await tap.GetJsonAsync("/api/messages/" + id);
        var envelope = detail.GetProperty("envelope");
        Assert.Equal("sender@example.test", envelope.GetProperty("mailFrom").GetProperty("address").GetString());
        Assert.Equal(250, envelope.GetProperty("mailFrom").GetProperty("reply").GetProperty("code").GetInt32());
        var rcpt = Assert.Single(envelope.GetProperty("recipients").EnumerateArray());
        Assert.Equal("rcpt@example.test", rcpt.GetProperty("address").GetString());
        Assert.Equal("250 2.1.5 Ok", rcpt.GetProperty("reply").GetProperty("text").GetString());
        Assert.StartsWith("250 2.0.0 Ok: queued as ", envelope.GetProperty("verdict").GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.True(envelope.GetProperty("verdict").GetProperty("accepted").GetBoolean());
        Assert.Equal("Quarterly report", detail.GetProperty("subject").GetString());
        Assert.Contains(detail.GetProperty("headers").EnumerateArray(), h => h.GetProperty("name").GetString() == "Subject" && h.GetProperty("value").GetString() == "Quarterly report");

        var root = detail.GetProperty("mime");
        Assert.Equal("multipart/mixed", root.GetProperty("contentType").GetString());
        var children = MessageMail.Children(root).ToList();
        Assert.Equal("multipart/alternative", children[0].GetProperty("contentType").GetString());
        Assert.Equal(["text/plain", "text/html"], MessageMail.Children(children[0]).Select(c => c.GetProperty("contentType").GetString()));
        Assert.Equal("utf-8", MessageMail.Children(children[0]).First().GetProperty("charset").GetString());
        var pdf = children[1];
        Assert.Equal(("1.2", "application/pdf", "report.pdf", "attachment", "base64"), (pdf.GetProperty("partId").GetString(), pdf.GetProperty("contentType").GetString(), pdf.GetProperty("fileName").GetString(), pdf.GetProperty("disposition").GetString(), pdf.GetProperty("transferEncoding").GetString()));
        Assert.Equal(MessageMail.Attachment.Length, pdf.GetProperty("size").GetInt64());
        Assert.Equal("Plain text part.\n", detail.GetProperty("text").GetString());
        var attachment = Assert.Single(detail.GetProperty("attachments").EnumerateArray());
        Assert.Equal("/api/messages/" + id + "/parts/1.2", attachment.GetProperty("url").GetString());
        Assert.Equal(MessageMail.Attachment.Length, attachment.GetProperty("size").GetInt64());
        var facts = detail.GetProperty("facts");
        Assert.Equal((0, 0, 0), (facts.GetProperty("bareLf").GetInt32(), facts.GetProperty("longLines").GetInt32(), facts.GetProperty("nul").GetInt32()));
        Assert.False(facts.GetProperty("nonAsciiHeaders").GetBoolean());

        using var raw = await WebTap.Http.GetAsync(tap.Api("/api/messages/" + id + "/raw"));
        Assert.Equal("message/rfc822", raw.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", raw.Content.Headers.ContentDisposition!.DispositionType);
        Assert.EndsWith(".eml", raw.Content.Headers.ContentDisposition.FileName, StringComparison.Ordinal);
        Assert.Equal(TestMessages.WireBytes(message), await raw.Content.ReadAsByteArrayAsync());

        using var part = await WebTap.Http.GetAsync(tap.Api(attachment.GetProperty("url").GetString()!));
        Assert.Equal("application/octet-stream", part.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", part.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("report.pdf", part.Content.Headers.ContentDisposition.FileName);
        Assert.Equal("nosniff", part.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(MessageMail.Attachment, await part.Content.ReadAsByteArrayAsync());

        // The HTML part itself, downloaded as a part, is an octet-stream too: only /html renders it, sandboxed.
        using var htmlPart = await WebTap.Http.GetAsync(tap.Api("/api/messages/" + id + "/parts/1.1.2"));
        Assert.Equal("application/octet-stream", htmlPart.Content.Headers.ContentType!.MediaType);

        using var html = await WebTap.Http.GetAsync(tap.Api(detail.GetProperty("htmlUrl").GetString()!));
        Assert.Equal("text/html", html.Content.Headers.ContentType!.MediaType);
        var policy = html.Headers.GetValues("Content-Security-Policy").Single();
        Assert.StartsWith("sandbox;", policy, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("img-src data:;", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", policy, StringComparison.Ordinal);
        Assert.Contains("<b>figures</b>", await html.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var answers = string.Join(
            "\n",
            await WebTap.Http.GetStringAsync(tap.Api("/api/messages/" + id)),
            await WebTap.Http.GetStringAsync(tap.Api("/api/sessions/" + detail.GetProperty("sessionId").GetString() + "/messages")),
            await WebTap.Http.GetStringAsync(tap.Api("/api/messages/" + id + "/raw")),
            await WebTap.Http.GetStringAsync(tap.Api("/api/messages/" + id + "/html")));
        SmtpTap.Tests.Support.SecretCanary.AssertAbsent(secret, answers);
    }

    [Fact]
    public async Task UnknownMessagesAndParts_Are404()
    {
        await using var tap = await WebTap.StartAsync();
        await MessageMail.SendAsync(tap.SmtpPort, MessageMail.Rich("plain", Html));
        var id = await MessageMail.OnlyMessageIdAsync(tap);

        foreach (var path in new[] { "/api/messages/s9999-1", "/api/messages/s9999-1/raw", "/api/messages/s9999-1/html", "/api/messages/s9999-1/parts/1", "/api/messages/" + id + "/parts/1.9", "/api/messages/" + id + "/parts/2", "/api/messages/" + id + "/parts/x" })
        {
            using var response = await WebTap.Http.GetAsync(tap.Api(path));
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, path + " answered " + response.StatusCode);
        }

        Assert.Equal(0, (await tap.GetJsonAsync("/api/sessions/s9999/messages")).GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task RealUpstream_EnvelopeShowsTheRefusedAndTheAcceptedRecipient_AndTheMessageComesFromTheCaptureDirCopy()
    {
        await using var server = new ScriptedMailServer { RefusedRecipients = ["nobody@example.test"] }.Start();
        await using var tap = await WebTap.StartAsync("--web", "127.0.0.1:0", "--upstream", "smtp://127.0.0.1:" + server.Port);
        var message = MessageMail.Rich("Through a real server", Html);

        await MessageMail.SendAsync(tap.SmtpPort, message, null, null, "rcpt@example.test", "nobody@example.test");
        var id = await MessageMail.OnlyMessageIdAsync(tap);

        var detail = await tap.GetJsonAsync("/api/messages/" + id);
        var recipients = detail.GetProperty("envelope").GetProperty("recipients").EnumerateArray().ToList();
        Assert.Equal(2, recipients.Count);
        Assert.Equal(("rcpt@example.test", 250, true), (recipients[0].GetProperty("address").GetString(), recipients[0].GetProperty("reply").GetProperty("code").GetInt32(), recipients[0].GetProperty("reply").GetProperty("accepted").GetBoolean()));
        Assert.Equal(("nobody@example.test", 550, false), (recipients[1].GetProperty("address").GetString(), recipients[1].GetProperty("reply").GetProperty("code").GetInt32(), recipients[1].GetProperty("reply").GetProperty("accepted").GetBoolean()));
        Assert.Equal("550 5.1.1 Recipient address rejected: User unknown", recipients[1].GetProperty("reply").GetProperty("text").GetString());
        Assert.Equal("250 2.0.0 Ok: queued", detail.GetProperty("envelope").GetProperty("verdict").GetProperty("text").GetString());
        Assert.True(detail.GetProperty("stored").GetBoolean());
        Assert.Equal("Through a real server", detail.GetProperty("subject").GetString());

        var sent = TestMessages.WireBytes(message);
        Assert.Equal(sent, await WebTap.Http.GetByteArrayAsync(tap.Api("/api/messages/" + id + "/raw")));

        // The sessions list: accepted, with the refused recipient counted and the message's size and verdict.
        var row = (await tap.GetJsonAsync("/api/sessions")).GetProperty("sessions")[0];
        Assert.Equal("accepted", row.GetProperty("status").GetString());
        Assert.Equal(1, row.GetProperty("recipientsRefused").GetInt32());
        var listed = Assert.Single(row.GetProperty("messages").EnumerateArray());
        Assert.Equal((id, (long)sent.Length, 250, 1), (listed.GetProperty("id").GetString(), listed.GetProperty("size").GetInt64(), listed.GetProperty("verdict").GetInt32(), listed.GetProperty("recipientsRefused").GetInt32()));
        var copy = Assert.Single(Directory.GetFiles(Path.Combine(Path.GetDirectoryName(tap.CertDirectory)!, "captured"), "*.eml"));
        Assert.Equal(sent, await File.ReadAllBytesAsync(copy));
        Assert.Matches(@"^\d{8}-\d{6}-\d{3}-[0-9a-f]{8}-s\d+-1\.eml$", Path.GetFileName(copy));
    }

    [Fact]
    public async Task RealUpstreamWithChunking_BdatMessageIsKeptUnderCaptureDir_AndShown()
    {
        await using var server = new ScriptedMailServer { Capabilities = ["PIPELINING", "8BITMIME", "CHUNKING"] }.Start();
        await using var tap = await WebTap.StartAsync("--web", "127.0.0.1:0", "--upstream", "smtp://127.0.0.1:" + server.Port);
        var message = MessageMail.Rich("Sent in chunks", Html);
        var bytes = TestMessages.WireBytes(message);
        var cut = bytes.Length / 3;

        await using (var client = await RawSmtpClient.ConnectAndEhloAsync(tap.SmtpPort))
        {
            await client.SendAsync("MAIL FROM:<sender@example.test>\r\nRCPT TO:<rcpt@example.test>\r\n");
            await client.ExpectAsync(250);
            await client.ExpectAsync(250);
            await client.SendAsync("BDAT " + cut + "\r\n");
            await client.SendAsync(bytes.AsMemory(0, cut));
            await client.ExpectAsync(250);
            await client.SendAsync("BDAT " + (bytes.Length - cut) + " LAST\r\n");
            await client.SendAsync(bytes.AsMemory(cut));
            await client.ExpectAsync(250);
            await client.SendAsync("QUIT\r\n");
            await client.ExpectAsync(221);
        }

        var id = await MessageMail.OnlyMessageIdAsync(tap);

        var detail = await tap.GetJsonAsync("/api/messages/" + id);
        Assert.True(detail.GetProperty("envelope").GetProperty("chunked").GetBoolean());
        Assert.True(detail.GetProperty("stored").GetBoolean());
        Assert.Equal("Sent in chunks", detail.GetProperty("subject").GetString());
        Assert.Equal(bytes, await WebTap.Http.GetByteArrayAsync(tap.Api("/api/messages/" + id + "/raw")));
        var listed = Assert.Single((await tap.GetJsonAsync("/api/sessions")).GetProperty("sessions")[0].GetProperty("messages").EnumerateArray());
        Assert.Equal((long)bytes.Length, listed.GetProperty("size").GetInt64());
    }

    [Fact]
    public async Task RemoteBinding_MessageEndpointsNeedTheToken()
    {
        await using var tap = await WebTap.StartAsync("--web", "0.0.0.0:0", "--web-allow-remote");
        await MessageMail.SendAsync(tap.SmtpPort, MessageMail.Rich("token", Html));
        var local = new UriBuilder(tap.Url) { Host = "127.0.0.1", Query = string.Empty }.Uri;
        var withToken = new UriBuilder(tap.Url) { Host = "127.0.0.1" }.Uri;
        var id = await MessageMail.OnlyMessageIdAsync(tap, withToken);
        foreach (var path in new[] { "/api/messages/" + id, "/api/messages/" + id + "/raw", "/api/messages/" + id + "/html", "/api/messages/" + id + "/parts/1.2", "/api/sessions/s0001/messages" })
        {
            using var refused = await WebTap.Http.GetAsync(new Uri(local, path));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            using var allowed = await WebTap.Http.GetAsync(new Uri(withToken, path + withToken.Query));
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
    }
}
