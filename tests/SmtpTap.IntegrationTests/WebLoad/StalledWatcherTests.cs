using System.Net;
using System.Net.Sockets;
using System.Text;
using SmtpTap.IntegrationTests.Web;

namespace SmtpTap.IntegrationTests.WebLoad;

/// <summary>
/// The real <c>smtptap proxy --web</c> with watchers of the sessions list that never read what it sends them:
/// mail keeps flowing, and the in-memory history stays at <c>--web-history</c> sessions however many pass.
/// </summary>
public sealed class StalledWatcherTests
{
    private const int History = 20;
    private const int Sessions = 120;

    [Fact]
    public async Task WatchersThatNeverRead_DoNotHoldUpSessions_AndTheHistoryKeepsOnlyTheNewest()
    {
        await using var tap = await WebTap.StartAsync("--web", "127.0.0.1:0", "--web-history", History.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var stalledList = await OpenStalledAsync(tap.Api("/api/events"));
        using var stalledPage = await OpenStalledAsync(tap.Api("/api/events"));

        // Eight clients at once, each session a full message; every one must get its 250 and 221.
        var next = 0;
        var senders = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) <= Sessions)
            {
                await tap.SendAsync("client" + n, "Message " + n);
            }
        }));
        await Task.WhenAll(senders).WaitAsync(TimeSpan.FromMinutes(3));

        Assert.True(stalledList.Available > 0, "the list stream sent updates that were never read");
        var all = await tap.GetJsonAsync("/api/sessions");
        Assert.Equal(History, all.GetProperty("total").GetInt32());
        var ehlos = all.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("ehlo").GetString()!).ToList();
        Assert.Equal(History, ehlos.Count);
        Assert.DoesNotContain("client1", ehlos);
        Assert.All(ehlos, e => Assert.True(int.Parse(e["client".Length..], System.Globalization.CultureInfo.InvariantCulture) > Sessions - History - 8, e + " is among the newest"));
    }

    /// <summary>An HTTP request for an event stream from a socket with a tiny receive window that is never read after the headers.</summary>
    private static async Task<Socket> OpenStalledAsync(Uri url)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 1024 };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, url.Port)).WaitAsync(TimeSpan.FromSeconds(10));
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {url.PathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1:{url.Port}\r\nAccept: text/event-stream\r\n\r\n"));
        var head = new byte[64];
        var read = await socket.ReceiveAsync(head.AsMemory()).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(head, 0, read), StringComparison.Ordinal);
        return socket;
    }
}
