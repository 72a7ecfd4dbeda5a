using System.IO.Compression;
using System.Text;
using System.Text.Json;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Web;

/// <summary>
/// The session page in headless Chromium: the four directions and the tap's events told apart, the capability rewrite
/// highlighted, AUTH prompts decoded, refusals explained, each TLS leg's certificate, the downloads and the support
/// bundle; a password canary nowhere; a hostile client's text inert.
/// </summary>
public sealed class WebSessionPageBrowserTests
{
    private const string HostileEhlo = "<script>window.__pwned=1</script>\"><img src=x onerror=\"window.__pwned=2\">";
    private const string HostileFrom = "<\"<script>window.__pwned=3</script>\"@example.test>";
    private const string HostileSubject = "\"><img src=x onerror=\"window.__pwned=4\"> \u202Egnp.exe";
    private const string HostileHeader = "X-Note: <script>window.__pwned=5</script> \u202Etxt.exe";
    private const string User = "page-user";

    [Fact]
    public async Task SessionPage_ShowsDirectionsRewriteDecodedPromptsExplanationsAndCertificates_DownloadsCarryNoCanary_AndHostileTextStaysInert()
    {
        var secret = "PageCanary-" + Guid.NewGuid().ToString("N")[..12];
        await using var tap = await WebTap.StartWithTranscriptsAsync();
        await using var list = await EventStream.OpenAsync(tap.Api("/api/events"));
        await using var browser = await HeadlessChromium.OpenAsync(tap.Url);
        await browser.WaitUntilAsync("document.getElementById('live')?.textContent === 'live'", "the page's list stream is connected");
        await browser.EvaluateAsync("window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI)); 0");

        await SendHostileSessionAsync(tap.SmtpPort, secret);
        await Eventually.HoldsAsync(() => list.Text.Contains("\"outcome\":\"Quit\"", StringComparison.Ordinal), "the session is announced, closed");
        var id = (await tap.GetJsonAsync("/api/sessions")).GetProperty("sessions")[0].GetProperty("id").GetString()!;
        await using var stream = await EventStream.OpenAsync(tap.Api("/api/sessions/" + id + "/events?after=0"));

        await browser.EvaluateAsync("location.hash = '#/session/" + id + "'; 0");
        await browser.WaitUntilAsync("[...document.querySelectorAll('#timeline li')].some(li => li.textContent.includes('Session closed'))", "the session's timeline is shown");
        await browser.WaitUntilAsync("document.querySelectorAll('#certificate-list .certificate').length === 2", "both legs' certificates are shown");

        // The four directions and the tap's events each have their own colour.
        var colours = JsonSerializer.Deserialize<string?[]>((await browser.EvaluateAsync(
            "JSON.stringify(['dir-client-tap','dir-tap-server','dir-server-tap','dir-tap-client','dir-tap'].map(c => { const li = document.querySelector('#timeline li.' + c); return li ? getComputedStyle(li).borderLeftColor : null; }))")).GetString()!)!;
        Assert.All(colours, Assert.NotNull);
        Assert.Equal(5, colours.Distinct().Count());

        // The capability the tap added (STARTTLS on the plain client leg) is marked and highlighted, with the rewrite event.
        var added = (await browser.EvaluateAsync(
            "(() => { const li = document.querySelector('#timeline li.has-capability-added'); return li ? li.querySelector('.mark').textContent + '|' + li.querySelector('.text').textContent + '|' + getComputedStyle(li).backgroundColor : ''; })()")).GetString()!;
        Assert.StartsWith("added by the tap|", added, StringComparison.Ordinal);
        Assert.Contains("250 STARTTLS", added, StringComparison.Ordinal);
        var plainTapLine = (await browser.EvaluateAsync("getComputedStyle(document.querySelector('#timeline li.dir-tap-client:not(.has-capability-added)')).backgroundColor")).GetString();
        Assert.NotEqual(plainTapLine, added.Split('|')[2]);
        Assert.Contains("Capabilities rewritten: added STARTTLS", await TextOfAsync(browser, "#timeline li.has-capability-rewrite"), StringComparison.Ordinal);

        // Lines the tap sent itself say so; the server's 334 prompts are decoded; refusals and AUTH replies are explained.
        Assert.Contains("sent by the tap", await TextOfAsync(browser, "#timeline li.dir-tap-server"), StringComparison.Ordinal);
        Assert.Equal("[\"Username:\",\"Password:\"]", (await browser.EvaluateAsync("JSON.stringify([...document.querySelectorAll('#timeline .decoded')].map(d => d.textContent))")).GetString());
        var explained = (await browser.EvaluateAsync(
            "JSON.stringify([...document.querySelectorAll('#timeline li')].filter(li => li.querySelector('.explain')).map(li => li.textContent))")).GetString()!;
        Assert.Contains("553 5.6.7", explained, StringComparison.Ordinal);
        Assert.Contains("needs SMTPUTF8", explained, StringComparison.Ordinal);
        Assert.Contains("authentication succeeded", explained, StringComparison.Ordinal);
        Assert.Contains("wrong parameters or syntax", explained, StringComparison.Ordinal);

        // Each leg's certificate: subject, issuer, validity, SHA-256 and verdict, the same as the API's.
        var detail = await tap.GetJsonAsync("/api/sessions/" + id);
        var certificates = detail.GetProperty("certificates").EnumerateArray().ToDictionary(c => c.GetProperty("leg").GetString()!);
        Assert.Equal(["client", "upstream"], certificates.Keys.Order());
        Assert.Equal("not-checked", certificates["client"].GetProperty("trust").GetString());
        Assert.Equal("trusted", certificates["upstream"].GetProperty("trust").GetString());
        var fingerprints = certificates.Values.Select(c => c.GetProperty("sha256").GetString()!).ToList();
        Assert.All(fingerprints, f => Assert.Matches("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", f));
        var shown = await TextOfAsync(browser, "#certificates");
        Assert.All(fingerprints, f => Assert.Contains(f, shown, StringComparison.Ordinal));
        Assert.Contains("Client leg (the certificate the tap presented)", shown, StringComparison.Ordinal);
        Assert.Contains("trusted: verified", shown, StringComparison.Ordinal);
        Assert.Contains("SmtpTap Local CA", shown, StringComparison.Ordinal);

        // The downloads, fetched as the page links them: attachments with the transcript file's masked content.
        var file = Assert.Single(Directory.GetFiles(tap.TranscriptDirectory, "*-" + id + ".log"));
        await Eventually.HoldsAsync(() => ReadShared(file).Contains("Session closed", StringComparison.Ordinal), "the transcript file is flushed");
        var txt = await FetchFromPageAsync(browser, "transcript-txt-link");
        Assert.Equal("attachment; filename=\"smtptap-" + id + ".txt\"", txt.Disposition);
        Assert.Equal(ReadShared(file), Encoding.UTF8.GetString(txt.Body));
        var jsonl = await FetchFromPageAsync(browser, "transcript-jsonl-link");
        Assert.Equal("attachment; filename=\"smtptap-" + id + ".jsonl\"", jsonl.Disposition);
        var jsonLines = Encoding.UTF8.GetString(jsonl.Body).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(jsonLines, l => Assert.Equal(id, JsonDocument.Parse(l).RootElement.GetProperty("session").GetString()));
        Assert.Contains(jsonLines, l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString() == "EHLO " + HostileEhlo);

        // The support bundle as the page downloads it: this session's transcript, the settings, both fingerprints.
        var bundle = await FetchFromPageAsync(browser, "bundle-link");
        Assert.Equal("application/zip", bundle.Type);
        var entries = Unzip(bundle.Body);
        var transcript = Assert.Single(entries, e => e.Key.StartsWith("transcripts/", StringComparison.Ordinal));
        Assert.EndsWith("-" + id + ".log", transcript.Key, StringComparison.Ordinal);
        Assert.Contains("EHLO " + HostileEhlo, transcript.Value, StringComparison.Ordinal);
        var manifest = entries["smtptap.txt"];
        Assert.Contains("Effective settings", manifest, StringComparison.Ordinal);
        Assert.Contains("capture-dir", manifest, StringComparison.Ordinal);
        Assert.Contains(id + " client leg: SHA-256 " + certificates["client"].GetProperty("sha256").GetString(), manifest, StringComparison.Ordinal);
        Assert.Contains(id + " upstream leg: SHA-256 " + certificates["upstream"].GetProperty("sha256").GetString(), manifest, StringComparison.Ordinal);

        // No canary anywhere: page, API answers, event streams, downloads, bundle.
        var dom = (await browser.EvaluateAsync("document.documentElement.outerHTML")).GetString()!;
        await Eventually.HoldsAsync(() => stream.Text.Contains("Session closed", StringComparison.Ordinal), "the session stream's backlog");
        var everything = string.Join(
            "\n",
            dom,
            await WebTap.Http.GetStringAsync(tap.Api("/api/sessions")),
            await WebTap.Http.GetStringAsync(tap.Api("/api/sessions/" + id)),
            list.Text,
            stream.Text,
            Encoding.UTF8.GetString(txt.Body),
            Encoding.UTF8.GetString(jsonl.Body),
            string.Join("\n", entries.Values));
        Assert.Contains("********", everything, StringComparison.Ordinal);
        Assert.Contains(User, everything, StringComparison.Ordinal);
        SmtpTap.Tests.Support.SecretCanary.AssertAbsent(secret, everything);

        // Inert: every hostile string is text on the page, no element or handler came from it, no CSP violation was needed.
        var text = (await browser.EvaluateAsync("document.body.textContent")).GetString()!;
        Assert.Contains("EHLO " + HostileEhlo, text, StringComparison.Ordinal);
        Assert.Contains("MAIL FROM:" + HostileFrom, text, StringComparison.Ordinal);
        Assert.Contains("Subject: " + HostileSubject.Replace("\u202E", "\\u{202E}", StringComparison.Ordinal), text, StringComparison.Ordinal);
        Assert.Contains(HostileHeader.Replace("\u202E", "\\u{202E}", StringComparison.Ordinal), text, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202E", text, StringComparison.Ordinal);
        Assert.Equal(0, (await browser.EvaluateAsync("document.querySelectorAll('img').length")).GetInt32());
        Assert.Equal(2, (await browser.EvaluateAsync("document.scripts.length")).GetInt32()); // app.js and message.js
        Assert.True((await browser.EvaluateAsync("window.__pwned === undefined")).GetBoolean());
        Assert.Equal("[]", (await browser.EvaluateAsync("JSON.stringify(window.__csp)")).GetString());

        // The page's policy allows no inline or eval'd script.
        using var page = await WebTap.Http.GetAsync(tap.Url);
        var policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
    }

    /// <summary>
    /// A session that does it all: hostile EHLO, STARTTLS (a client-leg certificate), AUTH LOGIN with the canary, a
    /// hostile MAIL FROM (refused), a non-ASCII recipient (553 5.6.7), a message with a hostile subject and header.
    /// </summary>
    private static async Task SendHostileSessionAsync(int port, string secret)
    {
        await using var client = await RawSmtpClient.ConnectAsync(port);
        await client.ExpectAsync(220);
        await client.SendAsync("EHLO " + HostileEhlo + "\r\n");
        await client.ExpectAsync(250);
        await client.SendAsync("STARTTLS\r\n");
        await client.ExpectAsync(220);
        await client.StartTlsAsync((_, _, _, _) => true);
        await client.SendAsync("EHLO " + HostileEhlo + "\r\n");
        await client.ExpectAsync(250);
        await client.SendAsync("AUTH LOGIN\r\n");
        await client.ExpectAsync(334);
        await client.SendAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(User)) + "\r\n");
        await client.ExpectAsync(334);
        await client.SendAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)) + "\r\n");
        await client.ExpectAsync(235);
        await client.SendAsync("MAIL FROM:" + HostileFrom + "\r\n");
        await client.ExpectAsync(501);
        await client.SendAsync("MAIL FROM:<sender@example.test>\r\n");
        await client.ExpectAsync(250);
        await client.SendAsync("RCPT TO:<jörg@example.test>\r\n");
        await client.ExpectAsync(553);
        await client.SendAsync("RCPT TO:<rcpt@example.test>\r\n");
        await client.ExpectAsync(250);
        await client.SendAsync("DATA\r\n");
        await client.ExpectAsync(354);
        await client.SendAsync("Subject: " + HostileSubject + "\r\n" + HostileHeader + "\r\n\r\nbody\r\n.\r\n");
        await client.ExpectAsync(250);
        await client.SendAsync("QUIT\r\n");
        await client.ExpectAsync(221);
    }

    private static async Task<string> TextOfAsync(HeadlessChromium browser, string selector) =>
        (await browser.EvaluateAsync("document.querySelector(" + JsonSerializer.Serialize(selector) + ")?.textContent ?? ''")).GetString()!;

    /// <summary>Fetches the href of a link of the page from the page (as a click would download it): type, disposition and body.</summary>
    private static async Task<(string Type, string Disposition, byte[] Body)> FetchFromPageAsync(HeadlessChromium browser, string linkId)
    {
        await browser.EvaluateAsync(
            "window.__fetched = undefined; fetch(document.getElementById('" + linkId + "').href).then(async r => { const b = new Uint8Array(await r.arrayBuffer()); let s = ''; for (const x of b) s += String.fromCharCode(x); "
            + "window.__fetched = JSON.stringify({ type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), body: btoa(s) }); }); 0");
        await browser.WaitUntilAsync("window.__fetched !== undefined", "the page fetched " + linkId);
        var fetched = JsonDocument.Parse((await browser.EvaluateAsync("window.__fetched")).GetString()!).RootElement;
        return (fetched.GetProperty("type").GetString()!, fetched.GetProperty("disposition").GetString()!, Convert.FromBase64String(fetched.GetProperty("body").GetString()!));
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static Dictionary<string, string> Unzip(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in archive.Entries)
        {
            using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
            entries[entry.FullName] = reader.ReadToEnd();
        }

        return entries;
    }
}

/// <summary>--web-lines: a session longer than the cap shows its first and newest lines with the gap between marked.</summary>
public sealed class WebSessionLinesCapBrowserTests
{
    [Fact]
    public async Task SessionPage_WithASmallLineCap_ShowsTheStartTheNewestLinesAndTheGap()
    {
        await using var tap = await WebTap.StartAsync("--web", "127.0.0.1:0", "--web-lines", "10");
        await using var list = await EventStream.OpenAsync(tap.Api("/api/events"));
        await tap.SendAsync("capped.local", "Capped");
        await Eventually.HoldsAsync(() => list.Text.Contains("\"outcome\":\"Quit\"", StringComparison.Ordinal), "the session is announced, closed");
        var detail = await tap.GetJsonAsync("/api/sessions?status=accepted");
        var session = detail.GetProperty("sessions")[0];
        var id = session.GetProperty("id").GetString()!;
        var lineCount = session.GetProperty("lineCount").GetInt32();
        Assert.True(lineCount > 10, "the session has more lines than the cap: " + lineCount);

        await using var browser = await HeadlessChromium.OpenAsync(new Uri(tap.Url, "#/session/" + id));
        await browser.WaitUntilAsync("[...document.querySelectorAll('#timeline li')].some(li => li.textContent.includes('Session closed'))", "the newest lines are shown");
        var items = (await browser.EvaluateAsync("JSON.stringify([...document.querySelectorAll('#timeline li')].map(li => li.textContent))")).GetString()!;
        var texts = JsonSerializer.Deserialize<string[]>(items)!;
        Assert.Equal(11, texts.Length);
        Assert.Contains("Client 127.0.0.1:", texts[0], StringComparison.Ordinal);
        Assert.Equal("… " + (lineCount - 10) + " lines not kept in memory here (the transcript file has them) …", texts[5]);
        Assert.Contains("Session closed", texts[^1], StringComparison.Ordinal);
        Assert.False((await browser.EvaluateAsync("document.getElementById('not-kept').hidden")).GetBoolean());

        // Without --transcripts the text download comes from memory and says where lines are missing.
        var text = await WebTap.Http.GetStringAsync(tap.Api("/api/sessions/" + id + "/transcript.txt"));
        var downloaded = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(11, downloaded.Length);
        Assert.Equal("[... " + (lineCount - 10) + " lines not kept in memory ...]", downloaded[5]);
    }
}
