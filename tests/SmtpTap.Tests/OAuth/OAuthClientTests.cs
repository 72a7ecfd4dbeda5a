using System.Net;
using System.Text;
using SmtpTap.OAuth;

namespace SmtpTap.Tests.OAuth;

/// <summary>The flows' protocol handling against a scripted token endpoint (no sockets but the loopback redirect).</summary>
public sealed class OAuthClientTests
{
    private static AccountDefinition Account(OAuthFlow flow) => new()
    {
        Name = "work",
        Provider = OAuthProvider.Generic,
        ClientId = "client",
        TokenEndpoint = "https://idp.example/token",
        DeviceEndpoint = "https://idp.example/device",
        AuthorizeEndpoint = "https://idp.example/authorize",
        Scopes = ["smtp", "offline_access"],
        Flow = flow,
        User = "crm@contoso.com",
    };

    [Fact]
    public async Task DeviceFlow_PollsAtTheIntervalAndHonoursSlowDown()
    {
        var handler = new ScriptedHandler(
            Json("""{"device_code":"dev-code-canary","user_code":"ABCD-EFGH","verification_uri":"https://idp.example/verify","expires_in":600,"interval":2}"""),
            Json("""{"error":"authorization_pending"}""", HttpStatusCode.BadRequest),
            Json("""{"error":"slow_down"}""", HttpStatusCode.BadRequest),
            Json("""{"error":"authorization_pending"}""", HttpStatusCode.BadRequest),
            Json("""{"access_token":"at-canary","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-canary"}"""));
        var delays = new List<TimeSpan>();
        var output = new StringWriter();
        using var http = new HttpClient(handler);

        var tokens = await new OAuthClient(http).LoginAsync(Account(OAuthFlow.Device), null, new LoginInteraction
        {
            Output = output,
            Delay = (delay, _) =>
            {
                delays.Add(delay);
                return Task.CompletedTask;
            },
        }, CancellationToken.None);

        Assert.Equal("at-canary", tokens.AccessToken);
        Assert.Equal("rt-canary", tokens.RefreshToken);
        Assert.Equal([2, 2, 7, 7], delays.Select(d => d.TotalSeconds));
        Assert.Contains("open https://idp.example/verify and enter the code ABCD-EFGH", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("dev-code-canary", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("at-canary", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("device_code=dev-code-canary", handler.Bodies[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("expired_token", "the device code expired before the sign-in was completed; run the login again")]
    [InlineData("access_denied", "the sign-in was declined (access_denied)")]
    [InlineData("invalid_grant", "device token request refused by the identity provider: invalid_grant (gone)")]
    public async Task DeviceFlow_TerminalErrors_OneLine(string error, string expected)
    {
        var handler = new ScriptedHandler(
            Json("""{"device_code":"d","user_code":"U","verification_uri":"https://idp.example/verify","expires_in":600,"interval":1}"""),
            Json($$"""{"error":"{{error}}","error_description":"gone"}""", HttpStatusCode.BadRequest));
        using var http = new HttpClient(handler);

        var ex = await Assert.ThrowsAsync<OAuthException>(() => new OAuthClient(http).LoginAsync(Account(OAuthFlow.Device), null, new LoginInteraction
        {
            Output = TextWriter.Null,
            Delay = (_, _) => Task.CompletedTask,
        }, CancellationToken.None));

        Assert.Equal(expected, ex.Message);
    }

    [Fact]
    public async Task Refresh_KeepsTheOldRefreshTokenWhenTheProviderDoesNotRotateIt()
    {
        var handler = new ScriptedHandler(Json("""{"access_token":"new-at","token_type":"Bearer","expires_in":60}"""));
        using var http = new HttpClient(handler);
        var now = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

        var refreshed = await new OAuthClient(http, new FixedTime(now)).RefreshAsync(Account(OAuthFlow.Browser), "secret",
            new TokenSet { AccessToken = "old-at", RefreshToken = "old-rt", AccessTokenExpiresUtc = now }, CancellationToken.None);

        Assert.Equal("new-at", refreshed.AccessToken);
        Assert.Equal("old-rt", refreshed.RefreshToken);
        Assert.Equal(now.AddSeconds(60), refreshed.AccessTokenExpiresUtc);
        Assert.Contains("grant_type=refresh_token", handler.Bodies[0], StringComparison.Ordinal);
        Assert.Contains("refresh_token=old-rt", handler.Bodies[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(",\"expires_in\":0", 0)]
    [InlineData(",\"expires_in\":\"0\"", 0)]
    [InlineData("", 3600)]
    public async Task Refresh_ExpiresInZeroMeansExpiredNow_AbsentMeansAnHour(string expiresIn, int seconds)
    {
        var handler = new ScriptedHandler(Json("{\"access_token\":\"new-at\",\"token_type\":\"Bearer\"" + expiresIn + "}"));
        using var http = new HttpClient(handler);
        var now = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

        var refreshed = await new OAuthClient(http, new FixedTime(now)).RefreshAsync(Account(OAuthFlow.Browser), "secret",
            new TokenSet { AccessToken = "old-at", RefreshToken = "old-rt", AccessTokenExpiresUtc = now }, CancellationToken.None);

        Assert.Equal(now.AddSeconds(seconds), refreshed.AccessTokenExpiresUtc);
    }

    [Fact]
    public async Task Refresh_WithoutRefreshToken_SaysToLogIn()
    {
        using var http = new HttpClient(new ScriptedHandler());

        var ex = await Assert.ThrowsAsync<OAuthException>(() => new OAuthClient(http).RefreshAsync(Account(OAuthFlow.Device), null, new TokenSet(), CancellationToken.None));

        Assert.Equal("account 'work' has no refresh token; run smtptap account login work", ex.Message);
    }

    [Fact]
    public async Task LoopbackListener_IgnoresOtherPaths_ReturnsTheCallback()
    {
        using var listener = LoopbackRedirectListener.Start();
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/callback$", listener.RedirectUri);
        var wait = listener.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var root = listener.RedirectUri[..^"/callback".Length];

        using var favicon = await http.GetAsync(new Uri(root + "/favicon.ico"));
        var page = await http.GetStringAsync(new Uri(listener.RedirectUri + "?code=c0de&state=s1"));
        var response = await wait;

        Assert.Equal(HttpStatusCode.NotFound, favicon.StatusCode);
        Assert.Contains("sign-in received", page, StringComparison.Ordinal);
        Assert.Equal("c0de", response.Code);
        Assert.Equal("s1", response.State);
    }

    [Fact]
    public async Task LoopbackListener_IdleSpeculativeConnection_DoesNotHoldUpTheCallback()
    {
        using var listener = LoopbackRedirectListener.Start();
        var wait = listener.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        var port = new Uri(listener.RedirectUri).Port;
        using var idle = new System.Net.Sockets.TcpClient();
        await idle.ConnectAsync(IPAddress.Loopback, port);
        using var dropped = new System.Net.Sockets.TcpClient();
        await dropped.ConnectAsync(IPAddress.Loopback, port);
        dropped.Close();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        await http.GetStringAsync(new Uri(listener.RedirectUri + "?code=c0de&state=s1"));
        var response = await wait.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("c0de", response.Code);
    }

    [Fact]
    public async Task LoopbackListener_Timeout_ClearError()
    {
        using var listener = LoopbackRedirectListener.Start();

        var ex = await Assert.ThrowsAsync<OAuthException>(() => listener.WaitAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None));

        Assert.StartsWith("no sign-in arrived at the loopback redirect within", ex.Message, StringComparison.Ordinal);
    }

    private static HttpResponseMessage Json(string body, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class ScriptedHandler(params HttpResponseMessage[] responses) : HttpMessageHandler
    {
        private readonly Queue<HttpResponseMessage> _responses = new(responses);

        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Bodies.Add(request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken));
            return _responses.Count > 0 ? _responses.Dequeue() : throw new HttpRequestException("no more scripted responses");
        }
    }
}
