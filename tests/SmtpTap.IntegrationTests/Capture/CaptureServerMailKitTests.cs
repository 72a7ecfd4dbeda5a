using System.Security.Cryptography;
using MailKit.Security;
using MimeKit;
using SmtpTap.Core.Capture;

namespace SmtpTap.IntegrationTests.Capture;

public sealed class CaptureServerMailKitTests
{
    [Fact]
    public async Task PlainSend_StoresOneEmlWithMatchingHashAndEnvelope()
    {
        await using var server = await CaptureTestServer.StartAsync(o => o with { KeepInMemory = true });
        CapturedMessage? raised = null;
        server.Server.MessageReceived += m => raised = m;

        await MailKitSender.SendAsync(server.Port, MailKitSender.CreateMessage());

        var message = await server.SingleMessageAsync();
        Assert.Equal("sender@example.com", message.MailFrom);
        Assert.Equal(["one@example.com", "two@example.com"], message.Recipients);
        Assert.False(message.ReceivedOverTls);
        Assert.Null(message.AuthenticatedUser);
        Assert.NotNull(message.FilePath);
        Assert.Matches(@"^\d{8}-\d{6}-\d{3}-[0-9a-f]{8}-" + message.Id + @"\.eml$", Path.GetFileName(message.FilePath));
        var fileBytes = await File.ReadAllBytesAsync(message.FilePath);
        Assert.Equal(message.Content, fileBytes);
        Assert.Equal(message.Size, fileBytes.Length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(fileBytes)), message.Sha256Hex);
        Assert.Same(message, raised);
        Assert.Single(Directory.GetFiles(server.Directory, "*", SearchOption.AllDirectories));

        using var parsed = await MimeMessage.LoadAsync(new MemoryStream(fileBytes));
        Assert.Equal("Capture test", parsed.Subject);
        Assert.Contains(".leading dot line", parsed.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainSend_StoresExactlyTheBytesMailKitSent()
    {
        await using var server = await CaptureTestServer.StartAsync();
        var mime = MailKitSender.CreateMessage();
        var expected = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        await mime.WriteToAsync(format, expected);

        await MailKitSender.SendAsync(server.Port, mime);

        var message = await server.SingleMessageAsync();
        Assert.Equal(expected.ToArray(), await File.ReadAllBytesAsync(message.FilePath!));
    }

    [Fact]
    public async Task StartTls_IsNegotiatedAndRecorded()
    {
        using var certificate = TestCertificate.Create();
        await using var server = await CaptureTestServer.StartAsync(o => o with { Certificates = certificate });

        await MailKitSender.SendAsync(server.Port, MailKitSender.CreateMessage(), SecureSocketOptions.StartTls, certificate);

        Assert.True((await server.SingleMessageAsync()).ReceivedOverTls);
    }

    [Fact]
    public async Task ImplicitTls_IsNegotiatedAndRecorded()
    {
        using var certificate = TestCertificate.Create();
        await using var server = await CaptureTestServer.StartAsync(o => o with { Certificates = certificate, ImplicitTls = true });

        await MailKitSender.SendAsync(server.Port, MailKitSender.CreateMessage(), SecureSocketOptions.SslOnConnect, certificate);

        Assert.True((await server.SingleMessageAsync()).ReceivedOverTls);
    }

    [Fact]
    public async Task StartTls_WithWrongPinnedCertificate_FailsOnTheClientOnly()
    {
        using var certificate = TestCertificate.Create();
        using var other = TestCertificate.Create();
        await using var server = await CaptureTestServer.StartAsync(o => o with { Certificates = certificate });

        await Assert.ThrowsAsync<SslHandshakeException>(() =>
            MailKitSender.SendAsync(server.Port, MailKitSender.CreateMessage(), SecureSocketOptions.StartTls, other));

        await MailKitSender.SendAsync(server.Port, MailKitSender.CreateMessage(), SecureSocketOptions.StartTls, certificate);
        Assert.Single(server.Server.Messages);
    }

    [Fact]
    public async Task SeveralClients_InParallel_AreAllCaptured()
    {
        await using var server = await CaptureTestServer.StartAsync();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            MailKitSender.SendAsync(server.Port, MailKitSender.CreateMessage("parallel " + i))));

        var messages = await server.Server.WaitForMessagesAsync(8, CancellationToken.None).WaitAsync(CaptureTestServer.Timeout);
        Assert.Equal(8, messages.Select(m => m.Id).Distinct().Count());
        Assert.Equal(8, Directory.GetFiles(server.Directory, "*.eml").Length);
    }
}
