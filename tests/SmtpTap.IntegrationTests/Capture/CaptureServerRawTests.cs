using System.Net.Security;
using System.Security.Authentication;
using System.Text;

namespace SmtpTap.IntegrationTests.Capture;

public sealed class CaptureServerRawTests
{
    private static async Task<RawSmtpClient> ConnectAndGreetAsync(CaptureTestServer server)
    {
        var client = await RawSmtpClient.ConnectAsync(server.Port);
        Assert.Equal("220 capture.smtptap.local ESMTP SmtpTap capture server\r\n", await client.ReadReplyAsync());
        await client.SendAsync("EHLO raw.example\r\n");
        Assert.StartsWith("250-capture.smtptap.local\r\n", await client.ReadReplyAsync(), StringComparison.Ordinal);
        return client;
    }

    [Fact]
    public async Task Pipelining_GroupGetsOrderedRepliesAndDataIsUnstuffedExactly()
    {
        await using var server = await CaptureTestServer.StartAsync();
        await using var client = await ConnectAndGreetAsync(server);

        await client.SendAsync("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nDATA\r\n");
        Assert.Equal("250 2.1.0 Ok\r\n", await client.ReadReplyAsync());
        Assert.Equal("250 2.1.5 Ok\r\n", await client.ReadReplyAsync());
        Assert.Equal("250 2.1.5 Ok\r\n", await client.ReadReplyAsync());
        Assert.Equal("354 End data with <CR><LF>.<CR><LF>\r\n", await client.ReadReplyAsync());

        await client.SendAsync("Subject: raw\r\n\r\n..dot\r\nAUTH PLAIN AGEAYg==\r\n..\r\n.\r\nNOOP\r\nQUIT\r\n");
        var queued = await client.ReadReplyAsync();
        Assert.Matches(@"^250 2\.0\.0 Ok: queued as \d+\r\n$", queued);
        Assert.Equal("250 2.0.0 Ok\r\n", await client.ReadReplyAsync());
        Assert.Equal("221 2.0.0 Bye\r\n", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedAsync());

        var message = await server.SingleMessageAsync();
        Assert.Equal("Subject: raw\r\n\r\n.dot\r\nAUTH PLAIN AGEAYg==\r\n.\r\n"u8.ToArray(), await File.ReadAllBytesAsync(message.FilePath!));
        Assert.Equal(["b@example.com", "c@example.com"], message.Recipients);
    }

    [Fact]
    public async Task Bdat_ChunksAreStoredAsIs()
    {
        await using var server = await CaptureTestServer.StartAsync();
        await using var client = await ConnectAndGreetAsync(server);
        await client.SendAsync("MAIL FROM:<a@example.com> BODY=BINARYMIME\r\nRCPT TO:<b@example.com>\r\n");
        await client.ReadReplyAsync();
        await client.ReadReplyAsync();

        byte[] first = [.. "Subject: chunked\r\n\r\n\r\n.\r\n"u8, 0, 1, 2, (byte)'\n'];
        await client.SendAsync(Encoding.ASCII.GetBytes("BDAT " + first.Length + "\r\n").Concat(first).ToArray());
        Assert.Equal("250 2.0.0 Ok: " + first.Length + " octets received\r\n", await client.ReadReplyAsync());

        await client.SendAsync("BDAT 0\r\nBDAT 6 LAST\r\n..end\nNOOP\r\n");
        Assert.Equal("250 2.0.0 Ok: 0 octets received\r\n", await client.ReadReplyAsync());
        Assert.Matches(@"^250 2\.0\.0 Ok: queued as \d+\r\n$", await client.ReadReplyAsync());
        Assert.Equal("250 2.0.0 Ok\r\n", await client.ReadReplyAsync());

        var message = await server.SingleMessageAsync();
        var stored = await File.ReadAllBytesAsync(message.FilePath!);
        Assert.Equal(first.Concat("..end\n"u8.ToArray()), stored);
    }

    [Fact]
    public async Task Bdat_WithoutTransaction_ChunkIsSkippedNotExecuted()
    {
        await using var server = await CaptureTestServer.StartAsync();
        await using var client = await ConnectAndGreetAsync(server);

        await client.SendAsync("BDAT 6 LAST\r\nQUIT\r\nNOOP\r\n");

        Assert.Equal("503 5.5.1 Error: need MAIL command\r\n", await client.ReadReplyAsync());
        Assert.Equal("250 2.0.0 Ok\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task StartTls_PlaintextPipelinedAfterItIsDiscarded()
    {
        using var certificate = TestCertificate.Create();
        await using var server = await CaptureTestServer.StartAsync(o => o with { Certificates = certificate });
        await using var client = await ConnectAndGreetAsync(server);

        await client.SendAsync("STARTTLS\r\nMAIL FROM:<injected@example.com>\r\n");
        Assert.Equal("220 2.0.0 Ready to start TLS\r\n", await client.ReadReplyAsync());
        var tls = new SslStream(client.Stream, leaveInnerStreamOpen: true, (_, presented, _, _) => certificate.Validate(presented));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        }).WaitAsync(CaptureTestServer.Timeout);
        client.ReplaceStream(tls);

        await client.SendAsync("RCPT TO:<b@example.com>\r\n");
        Assert.Equal("503 5.5.1 Error: send HELO/EHLO first\r\n", await client.ReadReplyAsync());
        await client.SendAsync("EHLO raw.example\r\n");
        var ehlo = await client.ReadReplyAsync();
        Assert.DoesNotContain("STARTTLS", ehlo, StringComparison.Ordinal);
        await client.SendAsync("RCPT TO:<b@example.com>\r\n");
        Assert.Equal("503 5.5.1 Error: need MAIL command\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task Data_WithBareLineFeed_IsRejectedAndNotStored()
    {
        await using var server = await CaptureTestServer.StartAsync();
        await using var client = await ConnectAndGreetAsync(server);
        await client.SendAsync("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
        await client.ReadReplyAsync();
        await client.ReadReplyAsync();
        await client.ReadReplyAsync();

        await client.SendAsync("Subject: x\r\n\r\nsmuggled\n.\nMAIL FROM:<evil@example.com>\r\n.\r\nNOOP\r\n");

        Assert.Equal("550 5.6.0 Message rejected: bare CR/LF or NUL in content\r\n", await client.ReadReplyAsync());
        Assert.Equal("250 2.0.0 Ok\r\n", await client.ReadReplyAsync());
        Assert.Empty(server.Server.Messages);
        Assert.Empty(Directory.Exists(server.Directory) ? Directory.GetFiles(server.Directory) : []);
    }

    [Fact]
    public async Task Data_LargerThanMaxSize_Gets552AndNoFileRemains()
    {
        await using var server = await CaptureTestServer.StartAsync(o => o with { MaxMessageSize = 1000 });
        await using var client = await ConnectAndGreetAsync(server);
        await client.SendAsync("MAIL FROM:<a@example.com> SIZE=2000\r\n");
        Assert.Equal("552 5.3.4 Message size exceeds fixed limit\r\n", await client.ReadReplyAsync());
        await client.SendAsync("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
        await client.ReadReplyAsync();
        await client.ReadReplyAsync();
        await client.ReadReplyAsync();

        await client.SendAsync(string.Concat(Enumerable.Repeat(new string('x', 98) + "\r\n", 50)) + ".\r\n");

        Assert.Equal("552 5.3.4 Message size exceeds fixed limit\r\n", await client.ReadReplyAsync());
        Assert.Empty(server.Server.Messages);
        Assert.Empty(Directory.Exists(server.Directory) ? Directory.GetFiles(server.Directory) : []);
    }

    [Fact]
    public async Task OverlongCommand_Gets500_5_5_6_AndSessionContinues()
    {
        await using var server = await CaptureTestServer.StartAsync();
        await using var client = await ConnectAndGreetAsync(server);

        await client.SendAsync("NOOP " + new string('x', 100_000) + "\r\nNOOP\r\n");

        Assert.Equal("500 5.5.6 Error: line too long\r\n", await client.ReadReplyAsync());
        Assert.Equal("250 2.0.0 Ok\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task BareLineFeedInCommand_Gets500AndIsNotSplit()
    {
        await using var server = await CaptureTestServer.StartAsync();
        await using var client = await ConnectAndGreetAsync(server);

        await client.SendAsync("NOOP\nQUIT\r\nNOOP\r\n");

        Assert.Equal("500 5.5.2 Error: bare <CR>, <LF> or NUL received\r\n", await client.ReadReplyAsync());
        Assert.Equal("250 2.0.0 Ok\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task IdleClient_Gets421AndIsDisconnected()
    {
        await using var server = await CaptureTestServer.StartAsync(o => o with { IdleTimeout = TimeSpan.FromSeconds(1) });
        await using var client = await RawSmtpClient.ConnectAsync(server.Port);
        await client.ReadReplyAsync();

        Assert.Equal("421 4.4.2 Idle timeout\r\n", await client.ReadReplyAsync());
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task IdleClient_OverImplicitTls_Gets421()
    {
        using var certificate = TestCertificate.Create();
        await using var server = await CaptureTestServer.StartAsync(o => o with
        {
            Certificates = certificate,
            ImplicitTls = true,

            // The idle timer also bounds the handshake, so leave room for a loaded test machine.
            IdleTimeout = TimeSpan.FromSeconds(2),
        });
        await using var client = await RawSmtpClient.ConnectAsync(server.Port);
        var tls = new SslStream(client.Stream, leaveInnerStreamOpen: true, (_, presented, _, _) => certificate.Validate(presented));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }).WaitAsync(CaptureTestServer.Timeout);
        client.ReplaceStream(tls);
        Assert.StartsWith("220 ", await client.ReadReplyAsync(), StringComparison.Ordinal);

        Assert.Equal("421 4.4.2 Idle timeout\r\n", await client.ReadReplyAsync());
    }

    [Fact]
    public async Task ClientThatNeverReads_CannotGrowTheReplyBuffer()
    {
        await using var server = await CaptureTestServer.StartAsync(o => o with { IdleTimeout = TimeSpan.FromSeconds(1) });
        await using var client = await RawSmtpClient.ConnectAsync(server.Port);
        var noops = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("NOOP\r\n", 100_000)));

        // The server stops reading once its replies back up; the write then stalls or the connection is dropped.
        var send = Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await client.Stream.WriteAsync(noops);
            }
        });
        // A write that fails after the 10 s wait (the server drops the stalled connection) is expected: observe it, so it
        // is not left as an unobserved task exception for whichever test runs the finalizer next.
        _ = send.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        var finished = await Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(finished != send || send.IsFaulted, "the server kept accepting 30 MB of NOOPs without its replies being read");
        await MailKitSender.SendAsync(server.Port, MailKitSender.CreateMessage());
    }

    [Fact]
    public async Task BrokenSession_DoesNotAffectOthers_AndDisposeEndsOpenSessions()
    {
        var server = await CaptureTestServer.StartAsync();
        try
        {
            var broken = await RawSmtpClient.ConnectAsync(server.Port);
            await broken.SendAsync("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\npartial content without end");
            await broken.DisposeAsync();

            await using var idle = await ConnectAndGreetAsync(server);
            await MailKitSender.SendAsync(server.Port, MailKitSender.CreateMessage());
            Assert.Single(await server.Server.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(CaptureTestServer.Timeout));

            await server.Server.DisposeAsync().AsTask().WaitAsync(CaptureTestServer.Timeout);
            Assert.Equal("421 4.3.2 Service shutting down\r\n", await idle.ReadReplyAsync());
            Assert.True(await idle.IsClosedAsync());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
