using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using SmtpTap.Core.Relay;
using SmtpTap.Core.Transcript;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.Tests.Support;

namespace SmtpTap.IntegrationTests.Relay;

/// <summary>
/// A session always ends with its close event and a reply the client can act on, also when the tap cuts a leg
/// while the other pump reads it, or when the tap itself has a bug.
/// </summary>
public sealed class SessionFailureTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    private static async Task<(SmtpConnection Tap, Socket Peer, TcpListener Listener)> ConnectedPairAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptSocketAsync();
        await socket.ConnectAsync((IPEndPoint)listener.LocalEndpoint).WaitAsync(s_timeout);
        return (new SmtpConnection(socket), await accept.WaitAsync(s_timeout), listener);
    }

    /// <summary>What a pump's read does after the other pump cut the leg: only failures the pumps handle, never InvalidOperationException.</summary>
    private static async Task<string> ReadOutcomeAsync(PipeReader reader, bool tryReadFirst)
    {
        try
        {
            if (tryReadFirst && reader.TryRead(out var buffered))
            {
                reader.AdvanceTo(buffered.Buffer.Start);
            }

            var result = await reader.ReadAsync().AsTask().WaitAsync(s_timeout);
            return result.IsCompleted ? "completed" : "data";
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            return "failed";
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Disconnect_ReadStartedAfterwards_EndsAsAConnectionFailureTheServerPumpHandles(bool tryReadFirst)
    {
        var (tap, peer, listener) = await ConnectedPairAsync();
        using (listener.Server)
        using (peer)
        {
            tap.Disconnect();
            Assert.Contains(await ReadOutcomeAsync(tap.Reader, tryReadFirst), new[] { "completed", "failed" });
            var buffer = new byte[16];
            Assert.Equal(0, await peer.ReceiveAsync(buffer).WaitAsync(s_timeout));
            await tap.DisposeAsync();
        }
    }

    [Fact]
    public async Task Disconnect_WhileAReadIsPending_TheReadEndsAndThePeerSeesTheEnd()
    {
        var (tap, peer, listener) = await ConnectedPairAsync();
        using (listener.Server)
        using (peer)
        {
            var pending = ReadOutcomeAsync(tap.Reader, tryReadFirst: false);
            await Task.Delay(50);
            tap.Disconnect();
            Assert.Contains(await pending, new[] { "completed", "failed" });
            Assert.Equal(0, await peer.ReceiveAsync(new byte[16]).WaitAsync(s_timeout));
            await tap.DisposeAsync();
        }
    }

    /// <summary>An observer that fails once, on the client's MAIL FROM: stands in for any bug inside a pump.</summary>
    private sealed class FailingObserver : ITranscriptObserver
    {
        private int _failed;

        public void OnRecord(TranscriptRecord record)
        {
            if (record.Direction == TranscriptDirection.ClientToTap && record.Text.StartsWith("MAIL FROM", StringComparison.Ordinal) && Interlocked.Exchange(ref _failed, 1) == 0)
            {
                throw new InvalidOperationException("observer bug quoting MAIL FROM:<canary-internal@x.test>");
            }
        }
    }

    [Fact]
    public async Task BugInsideTheTap_ClientGets421AndTheSessionItsCloseEventWithoutTheExceptionText()
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: o => o with { TranscriptObservers = [new FailingObserver()] });
        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("MAIL FROM:<a@x.test>\r\n");
            var reply = await raw.ExpectAsync(421);
            Assert.StartsWith("4.3.0 smtptap: internal error", reply.FirstLine, StringComparison.Ordinal);
            Assert.True(await raw.ClosedAsync());
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed (InternalError)");
        Assert.Contains("The session failed inside the tap (InvalidOperationException in FailingObserver.OnRecord)", transcript, StringComparison.Ordinal);
        await using (var second = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await second.SendAsync("MAIL FROM:<a@x.test>\r\n");
            await second.ExpectAsync(250);
        }

        Assert.DoesNotContain("canary-internal", await harness.AllOutputAsync(), StringComparison.Ordinal);
    }
}
