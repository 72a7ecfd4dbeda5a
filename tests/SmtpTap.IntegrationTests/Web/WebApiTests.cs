using System.Net;
using System.Text.Json;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Web;

/// <summary>The web UI's JSON API and event streams from the real process (<c>--web 127.0.0.1:0</c>), read with HttpClient.</summary>
public sealed class WebApiTests
{
    [Fact]
    public async Task Api_ListsFiltersAndDetailsASession_AndTheListStreamAnnouncesItLive()
    {
        await using var tap = await WebTap.StartAsync();
        await using var list = await EventStream.OpenAsync(tap.Api("/api/events"));

        await tap.SendAsync("crm.local", "Quarterly report");

        await Eventually.HoldsAsync(() => list.Text.Contains("\"status\":\"accepted\"", StringComparison.Ordinal), "the list stream announces the accepted session");
        Assert.Contains("event: session", list.Text, StringComparison.Ordinal);
        Assert.Contains("Quarterly report", list.Text, StringComparison.Ordinal);

        var all = await tap.GetJsonAsync("/api/sessions");
        var session = Assert.Single(all.GetProperty("sessions").EnumerateArray());
        var id = session.GetProperty("id").GetString()!;
        Assert.Equal("accepted", session.GetProperty("status").GetString());
        Assert.Equal("crm.local", session.GetProperty("ehlo").GetString());
        Assert.StartsWith("Tls1", session.GetProperty("upstreamTls").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, session.GetProperty("clientTls").ValueKind);
        Assert.StartsWith("127.0.0.1:", session.GetProperty("clientAddress").GetString(), StringComparison.Ordinal);
        Assert.Equal("sender@example.test", session.GetProperty("senders")[0].GetString());
        Assert.Equal("rcpt@example.test", session.GetProperty("recipients")[0].GetString());
        Assert.Equal("Quarterly report", session.GetProperty("subjects")[0].GetString());
        Assert.StartsWith("smtp://127.0.0.1:", session.GetProperty("listener").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(session.GetProperty("upstream").GetString()));
        var message = Assert.Single(session.GetProperty("messages").EnumerateArray());
        Assert.Equal(id + "-1", message.GetProperty("id").GetString());
        Assert.Equal(250, message.GetProperty("verdict").GetInt32());
        Assert.Equal("Subject: Quarterly report\r\n\r\nbody\r\n".Length, message.GetProperty("size").GetInt64());
        Assert.Equal(0, message.GetProperty("recipientsRefused").GetInt32());
        Assert.Equal(0, session.GetProperty("recipientsRefused").GetInt32());

        Assert.Equal(1, (await tap.GetJsonAsync("/api/sessions?q=quarterly&status=accepted")).GetProperty("total").GetInt32());
        Assert.Equal(1, (await tap.GetJsonAsync("/api/sessions?q=rcpt@example")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await tap.GetJsonAsync("/api/sessions?q=nothing-like-it")).GetProperty("total").GetInt32());
        Assert.Equal(1, (await tap.GetJsonAsync("/api/sessions?q=smtp://")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await tap.GetJsonAsync("/api/sessions?status=failed")).GetProperty("total").GetInt32());

        var detail = await tap.GetJsonAsync("/api/sessions/" + id);
        var lines = detail.GetProperty("lines").EnumerateArray().Select(l => (l.GetProperty("direction").GetString(), l.GetProperty("text").GetString())).ToList();
        Assert.Contains(("client>tap", "EHLO crm.local"), lines);
        Assert.Contains(lines, l => l.Item1 == "server>tap" && l.Item2!.StartsWith("220 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Item1 == "tap" && l.Item2!.StartsWith("Client 127.0.0.1:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Item1 == "tap" && l.Item2!.StartsWith("Session closed (Quit)", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await WebTap.Http.GetAsync(tap.Api("/api/sessions/nope"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await WebTap.Http.GetAsync(tap.Api("/api/sessions?status=weird"))).StatusCode);
    }

    [Fact]
    public async Task SessionStream_SendsTheBacklogThenNewLinesAsTheyHappen()
    {
        await using var tap = await WebTap.StartAsync();
        await using var client = await RawSmtpClient.ConnectAndEhloAsync(tap.SmtpPort);
        string id = string.Empty;
        await Eventually.HoldsAsync(
            () =>
            {
                var sessions = tap.GetJsonAsync("/api/sessions").GetAwaiter().GetResult().GetProperty("sessions");
                id = sessions.GetArrayLength() == 1 ? sessions[0].GetProperty("id").GetString()! : string.Empty;
                return id.Length > 0;
            },
            "the open session is listed");

        await using var stream = await EventStream.OpenAsync(tap.Api("/api/sessions/" + id + "/events?after=0"));
        await Eventually.HoldsAsync(() => stream.Text.Contains("EHLO c", StringComparison.Ordinal), "the backlog holds the EHLO");
        Assert.Contains("\"status\":\"open\"", stream.Text, StringComparison.Ordinal);

        await client.SendAsync("MAIL FROM:<live@example.test>\r\n");
        await client.ExpectAsync(250);
        await Eventually.HoldsAsync(() => stream.Text.Contains("MAIL FROM:\\u003Clive@example.test\\u003E", StringComparison.Ordinal), "the new line arrives on the stream");
        Assert.Contains("event: line\nid: ", stream.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryAnswer_CarriesAStrictContentSecurityPolicyAndNosniff_AndAForeignHostIsRefused()
    {
        await using var tap = await WebTap.StartAsync();
        foreach (var path in new[] { "/", "/app.js", "/app.css", "/api/sessions" })
        {
            using var response = await WebTap.Http.GetAsync(tap.Api(path));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
        }

        var page = await WebTap.Http.GetStringAsync(tap.Url);
        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("http", page.Replace("http-equiv", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        var script = await WebTap.Http.GetStringAsync(tap.Api("/app.js"));
        Assert.DoesNotContain("innerHTML", script, StringComparison.Ordinal);

        // DNS rebinding: a page from elsewhere that resolves its own name to 127.0.0.1 sends its own Host header.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, tap.Api("/api/sessions"));
        rebound.Headers.Host = "attacker.example";
        Assert.Equal(HttpStatusCode.BadRequest, (await WebTap.Http.SendAsync(rebound)).StatusCode);
    }

    [Fact]
    public async Task RemoteBinding_NeedsAllowRemote_ThenATokenOnEveryPageAndApiCall()
    {
        using (var temp = new TempDirectory())
        {
            var (exit, _, err) = await CliProcess.RunAsync(temp.Path, "proxy", "--listen", "smtp://127.0.0.1:0", "--cert-dir", temp.Sub("certs"), "--web", "0.0.0.0:0");
            Assert.Equal(2, exit);
            Assert.Contains("--web-allow-remote", err, StringComparison.Ordinal);
        }

        await using var tap = await WebTap.StartAsync("--web", "0.0.0.0:0", "--web-allow-remote");
        Assert.Matches("token=[A-Za-z0-9_-]{40,}", tap.Url.Query);
        Assert.Contains("reachable from other machines", tap.Process.Stdout, StringComparison.Ordinal);
        var local = new UriBuilder(tap.Url) { Host = "127.0.0.1", Query = string.Empty }.Uri;
        foreach (var path in new[] { "/", "/api/sessions", "/api/events", "/api/sessions/1", "/api/sessions/1/events" })
        {
            using var refused = await WebTap.Http.GetAsync(new Uri(local, path));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            using var wrong = await WebTap.Http.GetAsync(new Uri(local, path + "?token=wrong"));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        var withToken = new UriBuilder(tap.Url) { Host = "127.0.0.1" }.Uri;
        Assert.Equal(HttpStatusCode.OK, (await WebTap.Http.GetAsync(withToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await WebTap.Http.GetAsync(new Uri(withToken, "/api/sessions" + withToken.Query))).StatusCode);
    }

    [Fact]
    public async Task AuthPlainPassword_IsAbsentFromEveryApiAnswerAndEventStream()
    {
        var secret = "WebCanary-" + Guid.NewGuid().ToString("N")[..12];
        await using var tap = await WebTap.StartAsync();
        await using var list = await EventStream.OpenAsync(tap.Api("/api/events"));

        await tap.SendAsync("canary.local", "canary", user: "canary-user", password: secret);
        await Eventually.HoldsAsync(() => list.Text.Contains("\"status\":\"accepted\"", StringComparison.Ordinal), "the session is announced");
        var id = (await tap.GetJsonAsync("/api/sessions")).GetProperty("sessions")[0].GetProperty("id").GetString()!;
        await using var session = await EventStream.OpenAsync(tap.Api("/api/sessions/" + id + "/events?after=0"));
        await Eventually.HoldsAsync(() => session.Text.Contains("Session closed", StringComparison.Ordinal), "the session stream's backlog");

        var answers = string.Join(
            "\n",
            await WebTap.Http.GetStringAsync(tap.Api("/api/sessions")),
            await WebTap.Http.GetStringAsync(tap.Api("/api/sessions?q=canary")),
            await WebTap.Http.GetStringAsync(tap.Api("/api/sessions/" + id)),
            list.Text,
            session.Text);
        Assert.Contains("canary-user", answers, StringComparison.Ordinal);
        Assert.Contains("\"user\":\"canary-user\"", answers, StringComparison.Ordinal);
        Assert.Contains("********", answers, StringComparison.Ordinal);
        SmtpTap.Tests.Support.SecretCanary.AssertAbsent(secret, answers);
    }

    [Fact]
    public async Task HostileEhloAndSubject_AreEscapedInTheJson()
    {
        const string ehlo = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";
        const string subject = "\"><img src=x onerror=alert(3)> \u202Egnp.exe";
        await using var tap = await WebTap.StartAsync();
        await tap.SendAsync(ehlo, subject);

        var raw = await WebTap.Http.GetStringAsync(tap.Api("/api/sessions"));
        Assert.DoesNotContain("<script", raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\u202E", raw, StringComparison.Ordinal);
        var session = JsonDocument.Parse(raw).RootElement.GetProperty("sessions")[0];
        Assert.Equal(ehlo, session.GetProperty("ehlo").GetString());
        // The transcript shows a bidi control as an escape (the same text the console shows), never the control itself.
        Assert.Equal(subject.Replace("\u202E", "\\u{202E}", StringComparison.Ordinal), session.GetProperty("subjects")[0].GetString());

        using var response = await WebTap.Http.GetAsync(tap.Api("/api/sessions/" + session.GetProperty("id").GetString()));
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var detail = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script", detail, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", detail, StringComparison.OrdinalIgnoreCase);
    }
}
