using System.Net;
using System.Net.Sockets;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Web;

/// <summary>The message page in headless Chromium: opened from the session page, everything shown as text, the HTML part sandboxed.</summary>
public sealed class MessagePageBrowserTests
{
    private const string HostileSubject = "\"><img src=x onerror=\"window.__pwned=1\"> <script>window.__pwned=2</script> \u202Egnp.exe";
    private const string HostileHeader = "<img src=x onerror=\"window.__pwned=3\">";

    [Fact]
    public async Task MessagePage_ShowsEnvelopeHeadersMimeTreeAndText_HostileTextStaysText_AndTheHtmlPartRunsNoScriptAndFetchesNothing()
    {
        var secret = "PageCanary-" + Guid.NewGuid().ToString("N")[..12];
        await using var watch = WatchListener.Start();
        var html = "<p>Hello HTML</p><script>document.title='pwned';fetch('http://127.0.0.1:" + watch.Port + "/script')</script>"
            + "<img src=\"http://127.0.0.1:" + watch.Port + "/remote-image\">";
        await using var tap = await WebTap.StartAsync();
        await using var browser = await HeadlessChromium.OpenAsync(tap.Url);
        await browser.WaitUntilAsync("document.getElementById('live')?.textContent === 'live'", "the page's list stream is connected");

        await MessageMail.SendAsync(tap.SmtpPort, MessageMail.Rich(HostileSubject, html, "Plain text part.\r\n", ("X-Hostile", HostileHeader)), "page-user", secret);

        await browser.WaitUntilAsync("document.querySelectorAll('#sessions tbody tr').length === 1 && document.querySelector('#sessions tbody tr .status').textContent === 'accepted'", "the session appears, accepted");
        await browser.EvaluateAsync("document.querySelector('#sessions tbody tr').click()");
        await browser.WaitUntilAsync("document.querySelector('#session-messages a') !== null", "the session page lists its message");
        var sessionPage = (await browser.EvaluateAsync("document.documentElement.outerHTML")).GetString()!;
        await browser.EvaluateAsync("window.__frameLoaded = false; document.getElementById('message-html').addEventListener('load', () => { window.__frameLoaded = true; }); 0");
        await browser.EvaluateAsync("document.querySelector('#session-messages a').click()");

        await browser.WaitUntilAsync("document.getElementById('message-raw').textContent.includes('multipart/mixed')", "the message page is shown");
        Assert.True((await browser.EvaluateAsync("document.getElementById('detail-pane').hidden && document.getElementById('list-pane').hidden && !document.getElementById('message-pane').hidden")).GetBoolean());
        var escapedSubject = HostileSubject.Replace("\u202E", "\\u{202E}", StringComparison.Ordinal);
        Assert.Equal(escapedSubject, (await browser.EvaluateAsync("document.getElementById('message-title').textContent")).GetString());
        var headers = (await browser.EvaluateAsync("document.getElementById('message-headers').textContent")).GetString()!;
        Assert.Contains(escapedSubject, headers, StringComparison.Ordinal);
        Assert.Contains("X-Hostile" + HostileHeader, headers, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202E", headers, StringComparison.Ordinal);
        var envelope = (await browser.EvaluateAsync("document.getElementById('message-envelope').textContent")).GetString()!;
        Assert.Contains("rcpt@example.test250 2.1.5 Ok", envelope, StringComparison.Ordinal);
        Assert.Contains("250 2.0.0 Ok: queued as", envelope, StringComparison.Ordinal);
        var mime = (await browser.EvaluateAsync("document.getElementById('message-mime').textContent")).GetString()!;
        Assert.Contains("multipart/alternative", mime, StringComparison.Ordinal);
        Assert.Contains("text/html", mime, StringComparison.Ordinal);
        Assert.Contains("report.pdf", mime, StringComparison.Ordinal);
        Assert.Equal("Plain text part.\n", (await browser.EvaluateAsync("document.getElementById('message-text').textContent")).GetString());
        Assert.EndsWith("/parts/1.2", (await browser.EvaluateAsync("document.querySelector('#message-attachments a').getAttribute('href')")).GetString(), StringComparison.Ordinal);
        Assert.Contains("Line endings: CRLF only", (await browser.EvaluateAsync("document.getElementById('message-facts').textContent")).GetString(), StringComparison.Ordinal);
        Assert.Contains("X-Hostile: " + HostileHeader, (await browser.EvaluateAsync("document.getElementById('message-raw').textContent")).GetString(), StringComparison.Ordinal);

        // The HTML part: in an iframe with an empty sandbox attribute (no script, opaque origin), under its own policy.
        Assert.Equal(string.Empty, (await browser.EvaluateAsync("document.getElementById('message-html').getAttribute('sandbox')")).GetString());
        await browser.WaitUntilAsync("window.__frameLoaded === true", "the HTML part's frame has loaded");
        await Task.Delay(TimeSpan.FromSeconds(1)); // a script or an image that was let through would have connected by now
        Assert.Equal(0, watch.Connections);
        Assert.Equal("SmtpTap sessions", (await browser.EvaluateAsync("document.title")).GetString());

        // Inert: no element came from the hostile text, no handler ran.
        Assert.Equal(0, (await browser.EvaluateAsync("document.querySelectorAll('img').length")).GetInt32());
        Assert.Equal(2, (await browser.EvaluateAsync("document.scripts.length")).GetInt32());
        Assert.True((await browser.EvaluateAsync("window.__pwned === undefined")).GetBoolean());

        var messagePage = (await browser.EvaluateAsync("document.documentElement.outerHTML")).GetString()!;
        Assert.Contains("page-user", sessionPage + messagePage, StringComparison.Ordinal);
        SmtpTap.Tests.Support.SecretCanary.AssertAbsent(secret, sessionPage + "\n" + messagePage);
    }

    [Fact]
    public async Task MessagePage_WithARealUpstream_ShowsTheCaptureDirCopyAndTheRefusedRecipient()
    {
        await using var server = new ScriptedMailServer { RefusedRecipients = ["nobody@example.test"] }.Start();
        await using var tap = await WebTap.StartAsync("--web", "127.0.0.1:0", "--upstream", "smtp://127.0.0.1:" + server.Port);
        await MessageMail.SendAsync(tap.SmtpPort, MessageMail.Rich("Relayed for real", "<p>hi</p>"), null, null, "rcpt@example.test", "nobody@example.test");
        var id = await MessageMail.OnlyMessageIdAsync(tap);

        await using var browser = await HeadlessChromium.OpenAsync(new UriBuilder(tap.Url) { Fragment = "/message/" + id }.Uri);

        await browser.WaitUntilAsync("document.getElementById('message-title')?.textContent === 'Relayed for real'", "the message page opens from its address");
        var refused = (await browser.EvaluateAsync("[...document.querySelectorAll('#message-envelope tr.refused')].map(tr => tr.textContent).join('|')")).GetString()!;
        Assert.Contains("nobody@example.test550 5.1.1 Recipient address rejected: User unknown", refused, StringComparison.Ordinal);
        Assert.DoesNotContain("rcpt@example.test", refused, StringComparison.Ordinal);
        await browser.WaitUntilAsync("document.getElementById('message-raw').textContent.includes('Subject: Relayed for real')", "the raw source comes from the --capture-dir copy");
        Assert.EndsWith("/api/messages/" + id + "/raw", (await browser.EvaluateAsync("document.getElementById('message-raw-link').getAttribute('href')")).GetString(), StringComparison.Ordinal);
    }

    /// <summary>A loopback listener that counts connections: the HTML part's script and remote image must never reach it.</summary>
    private sealed class WatchListener : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private Task _accepting = Task.CompletedTask;
        private int _connections;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Connections => Volatile.Read(ref _connections);

        public static WatchListener Start()
        {
            var watch = new WatchListener();
            watch._listener.Start();
            watch._accepting = watch.AcceptAsync();
            return watch;
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _connections);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            _listener.Dispose();
            _stop.Dispose();
        }
    }
}
