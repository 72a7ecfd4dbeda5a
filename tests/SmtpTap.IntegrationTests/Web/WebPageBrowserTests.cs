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

        await browser.EvaluateAsync("document.querySelector('#sessions tbody tr').click()");
        await browser.WaitUntilAsync("[...document.querySelectorAll('#timeline li')].some(li => li.textContent.includes('Session closed'))", "the timeline is shown");
        var timeline = (await browser.EvaluateAsync("document.getElementById('timeline').textContent")).GetString()!;
        Assert.Contains("EHLO " + HostileEhlo, timeline, StringComparison.Ordinal);
        Assert.Contains("Subject: " + HostileSubject, timeline, StringComparison.Ordinal);

        // The four directions and the tap's events are told apart by class and colour.
        var colours = (await browser.EvaluateAsync(
            "JSON.stringify(['dir-client-tap','dir-server-tap','dir-tap'].map(c => { const li = document.querySelector('#timeline li.' + c); return li ? getComputedStyle(li).borderLeftColor : null; }))")).GetString()!;
        var parsed = System.Text.Json.JsonSerializer.Deserialize<string?[]>(colours)!;
        Assert.All(parsed, Assert.NotNull);
        Assert.Equal(3, parsed.Distinct().Count());

        // Inert: no element came from the hostile text, no handler ran.
        Assert.Equal(0, (await browser.EvaluateAsync("document.querySelectorAll('img').length")).GetInt32());
        Assert.Equal(1, (await browser.EvaluateAsync("document.scripts.length")).GetInt32());
        Assert.True((await browser.EvaluateAsync("window.__pwned === undefined")).GetBoolean());
    }
}
