using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Web;

/// <summary><c>smtptap proxy --web 127.0.0.1:0</c> as a child process: its SMTP port and web URL read from the banner.</summary>
internal sealed partial class WebTap : IAsyncDisposable
{
    public static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly TempDirectory _temp;

    private WebTap(TempDirectory temp, CliProcess process, int smtpPort, Uri url)
    {
        _temp = temp;
        Process = process;
        SmtpPort = smtpPort;
        Url = url;
    }

    public CliProcess Process { get; }

    public int SmtpPort { get; }

    /// <summary>The tap's --cert-dir.</summary>
    public string CertDirectory => _temp.Sub("certs");

    /// <summary>The page's URL as printed (with ?token=… when one is required).</summary>
    public Uri Url { get; }

    /// <summary>The tap's --transcripts folder (used only when started by <see cref="StartWithTranscriptsAsync"/>).</summary>
    public string TranscriptDirectory => _temp.Sub("transcripts");

    public static Task<WebTap> StartAsync(params string[] extra) => StartInAsync(new TempDirectory(), extra);

    /// <summary>With <c>--transcripts</c> in <see cref="TranscriptDirectory"/>: downloads and bundles come from the transcript files.</summary>
    public static Task<WebTap> StartWithTranscriptsAsync()
    {
        var temp = new TempDirectory();
        return StartInAsync(temp, ["--web", "127.0.0.1:0", "--transcripts", temp.Sub("transcripts")]);
    }

    private static async Task<WebTap> StartInAsync(TempDirectory temp, string[] extra)
    {
        var process = CliProcess.Start(temp.Path, ["proxy", "--listen", "smtp://127.0.0.1:0", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("captured"), .. extra.Length == 0 ? ["--web", "127.0.0.1:0"] : extra]);
        var port = await process.WaitForListenPortAsync();
        var match = await process.WaitForOutputAsync(WebUrl(), TimeSpan.FromSeconds(60));
        return new WebTap(temp, process, port, new Uri(match.Groups[1].Value));
    }

    /// <summary>The address of an API path, with the token of <see cref="Url"/> if any.</summary>
    public Uri Api(string pathAndQuery)
    {
        var token = Regex.Match(Url.Query, "token=([^&]+)");
        var separator = pathAndQuery.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        return new Uri(Url, token.Success ? pathAndQuery + separator + "token=" + token.Groups[1].Value : pathAndQuery);
    }

    public async Task<JsonElement> GetJsonAsync(string pathAndQuery)
    {
        var text = await Http.GetStringAsync(Api(pathAndQuery));
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Sends one message (EHLO <paramref name="ehlo"/>, optional AUTH PLAIN, subject) through the tap and quits.</summary>
    public async Task SendAsync(string ehlo, string subject, string? user = null, string? password = null)
    {
        await using var client = await RawSmtpClient.ConnectAsync(SmtpPort);
        await client.ExpectAsync(220);
        await client.SendAsync("EHLO " + ehlo + "\r\n");
        await client.ExpectAsync(250);
        if (user is not null)
        {
            await client.SendAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + user + "\0" + password)) + "\r\n");
            await client.ExpectAsync(235);
        }

        await client.SendAsync("MAIL FROM:<sender@example.test>\r\nRCPT TO:<rcpt@example.test>\r\nDATA\r\n");
        await client.ExpectAsync(250);
        await client.ExpectAsync(250);
        await client.ExpectAsync(354);
        await client.SendAsync("Subject: " + subject + "\r\n\r\nbody\r\n.\r\nQUIT\r\n");
        await client.ExpectAsync(250);
        await client.ExpectAsync(221);
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        _temp.Dispose();
    }

    [GeneratedRegex(@"Web UI on (http://\S+) \(keeps")]
    private static partial Regex WebUrl();
}

/// <summary>A server-sent event stream read in the background; <see cref="Text"/> is everything received so far.</summary>
internal sealed class EventStream : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly StringBuilder _text = new();
    private readonly Task _reading;

    private EventStream(HttpResponseMessage response)
    {
        Response = response;
        _reading = Task.Run(ReadAsync);
    }

    public HttpResponseMessage Response { get; }

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public static async Task<EventStream> OpenAsync(Uri url)
    {
        var response = await WebTap.Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        return new EventStream(response);
    }

    private async Task ReadAsync()
    {
        try
        {
            using var reader = new StreamReader(await Response.Content.ReadAsStreamAsync(_stop.Token));
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                lock (_text)
                {
                    _text.Append(line).Append('\n');
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Response.Dispose();
        await _reading;
        _stop.Dispose();
    }
}
