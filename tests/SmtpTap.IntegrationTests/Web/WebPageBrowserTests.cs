using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Web;

/// <summary>The page in headless Chromium: a new session appears without reload, its timeline opens, and hostile text stays text.</summary>
public sealed class WebPageBrowserTests
{
    private const string HostileEhlo = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>";
    private const string HostileSubject = "\"><img src=x onerror=\"window.__pwned=3\">";

    [Fact]
    public async Task Page_ShowsANewSessionLiveWithoutReload_OpensItsTimeline_AndKeepsHostileTextInert()
    {
        await using var tap = await WebTap.StartAsync();
        await using var browser = await HeadlessChromium.OpenAsync(tap.Url);
        await browser.WaitUntilAsync("document.getElementById('live')?.textContent === 'live'", "the page's list stream is connected");
        Assert.Equal(0, (await browser.EvaluateAsync("document.querySelectorAll('#sessions tbody tr').length")).GetInt32());
        await browser.EvaluateAsync("window.__loadedOnce = true");

        await tap.SendAsync(HostileEhlo, HostileSubject);

        await browser.WaitUntilAsync("document.querySelectorAll('#sessions tbody tr').length === 1 && document.querySelector('#sessions tbody tr .status').textContent === 'accepted'", "the session appears, accepted");
        Assert.True((await browser.EvaluateAsync("window.__loadedOnce === true")).GetBoolean(), "the page was not reloaded");
        var row = (await browser.EvaluateAsync("document.querySelector('#sessions tbody tr').textContent")).GetString()!;
        Assert.Contains(HostileEhlo, row, StringComparison.Ordinal);
        Assert.Contains(HostileSubject, row, StringComparison.Ordinal);

        // The listener and upstream in one column; the message's size and the server's verdict code in another.
        await browser.WaitUntilAsync("/^\\d+ B · 250$/.test(document.querySelector('#sessions tbody tr td.messages').textContent)", "the row shows the message's size and verdict");
        Assert.Matches("^127\\.0\\.0\\.1:\\d+ → capture$", (await browser.EvaluateAsync("document.querySelector('#sessions tbody tr td.route').textContent")).GetString()!);
        Assert.Matches("^smtp://127\\.0\\.0\\.1:\\d+ → capture ", (await browser.EvaluateAsync("document.querySelector('#sessions tbody tr td.route').title")).GetString()!);

        await browser.EvaluateAsync("document.querySelector('#sessions tbody tr').click()");
        await browser.WaitUntilAsync("[...document.querySelectorAll('#timeline li')].some(li => li.textContent.includes('Session closed'))", "the timeline is shown");
        var timeline = (await browser.EvaluateAsync("document.getElementById('timeline').textContent")).GetString()!;
        Assert.Contains("EHLO " + HostileEhlo, timeline, StringComparison.Ordinal);
        Assert.Contains("Subject: " + HostileSubject, timeline, StringComparison.Ordinal);

        // The session view links its support bundle (GET /api/sessions/{id}/bundle), a zip; the box adds maskAddresses=true.
        Assert.Equal("Download support bundle", (await browser.EvaluateAsync("document.getElementById('bundle-link').textContent")).GetString());
        Assert.Matches("^/api/sessions/s\\d+/bundle$", (await browser.EvaluateAsync("document.getElementById('bundle-link').getAttribute('href')")).GetString()!);
        await browser.EvaluateAsync("fetch(document.getElementById('bundle-link').href).then(async r => { const b = new Uint8Array(await r.arrayBuffer()); window.__bundle = r.headers.get('content-type') + ' ' + String.fromCharCode(b[0], b[1]); }); 0");
        await browser.WaitUntilAsync("window.__bundle !== undefined", "the bundle is fetched");
        Assert.Equal("application/zip PK", (await browser.EvaluateAsync("window.__bundle")).GetString());
        await browser.EvaluateAsync("document.getElementById('bundle-mask').click(); 0");
        Assert.EndsWith("/bundle?maskAddresses=true", (await browser.EvaluateAsync("document.getElementById('bundle-link').getAttribute('href')")).GetString(), StringComparison.Ordinal);

        // The four directions and the tap's events are told apart by class and colour.
        var colours = (await browser.EvaluateAsync(
            "JSON.stringify(['dir-client-tap','dir-server-tap','dir-tap'].map(c => { const li = document.querySelector('#timeline li.' + c); return li ? getComputedStyle(li).borderLeftColor : null; }))")).GetString()!;
        var parsed = System.Text.Json.JsonSerializer.Deserialize<string?[]>(colours)!;
        Assert.All(parsed, Assert.NotNull);
        Assert.Equal(3, parsed.Distinct().Count());

        // Inert: no element came from the hostile text, no handler ran.
        Assert.Equal(0, (await browser.EvaluateAsync("document.querySelectorAll('img').length")).GetInt32());
        Assert.Equal(2, (await browser.EvaluateAsync("document.scripts.length")).GetInt32());
        Assert.True((await browser.EvaluateAsync("window.__pwned === undefined")).GetBoolean());
    }
}

/// <summary>Live updates change only the rows that changed, at most once per frame: the row the keyboard is on keeps its focus.</summary>
public sealed class WebListLiveUpdateBrowserTests
{
    [Fact]
    public async Task List_AddsNewSessionsOnTop_WithoutRedrawingTheRowThatHasTheFocus()
    {
        await using var tap = await WebTap.StartAsync();
        await using var browser = await HeadlessChromium.OpenAsync(tap.Url);
        await browser.WaitUntilAsync("document.getElementById('live')?.textContent === 'live'", "the page's list stream is connected");

        await tap.SendAsync("first.local", "First");
        await browser.WaitUntilAsync("document.querySelectorAll('#sessions tbody tr').length === 1 && document.querySelector('#sessions tbody tr .status').textContent === 'accepted'", "the first session appears");
        await browser.EvaluateAsync("window.__first = document.querySelector('#sessions tbody tr'); window.__first.focus(); 0");

        await tap.SendAsync("second.local", "Second");
        await browser.WaitUntilAsync("document.querySelectorAll('#sessions tbody tr').length === 2 && document.querySelector('#sessions tbody tr .status').textContent === 'accepted'", "the second session appears on top");
        Assert.Equal("second.local", (await browser.EvaluateAsync("document.querySelector('#sessions tbody tr').children[5].textContent")).GetString());
        Assert.True((await browser.EvaluateAsync("document.querySelectorAll('#sessions tbody tr')[1] === window.__first")).GetBoolean(), "the first row was kept, not rebuilt");
        Assert.True((await browser.EvaluateAsync("document.activeElement === window.__first")).GetBoolean(), "the focused row keeps the focus");
    }
}
