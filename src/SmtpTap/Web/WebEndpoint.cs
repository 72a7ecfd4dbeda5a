using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace SmtpTap.Web;

/// <summary>
/// <c>smtptap proxy --web HOST:PORT</c>: the live web UI, a small Kestrel server over the <see cref="SessionStore"/>.
/// <c>/</c> is the page (embedded); the JSON API is <c>GET /api/sessions?q=&amp;status=&amp;limit=</c>,
/// <c>GET /api/sessions/{id}</c>, <c>GET /api/sessions/{id}/bundle</c> (the support bundle, a zip), <c>GET /api/sessions/{id}/transcript.txt</c> and
/// <c>/transcript.jsonl</c> (the session's masked transcript as text and as JSON Lines, attachments), and the server-sent event streams <c>GET /api/sessions/{id}/events</c> (new lines of
/// one session) and <c>GET /api/events</c> (changes of the sessions list).
/// </summary>
internal sealed class WebEndpoint : IAsyncDisposable
{
    private static readonly TimeSpan s_keepAlive = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a stream lets updates gather after the first one before it writes them (<see cref="UpdateBatch"/>): a
    /// session's timeline 100 ms, the sessions list 500 ms (the page redraws the list for each row it gets; a busy tap
    /// changes rows thousands of times a second, and the browser often shares the tap's machine: docs/benchmarks.md).
    /// </summary>
    private static readonly TimeSpan s_gatherLines = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan s_gatherList = TimeSpan.FromMilliseconds(500);
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping;

    private WebEndpoint(WebApplication app, CancellationTokenSource stopping, Uri url)
    {
        _app = app;
        _stopping = stopping;
        Url = url;
    }

    /// <summary>The page's address as printed at start (with <c>?token=</c> when a token is required).</summary>
    public Uri Url { get; }

    /// <param name="token">Required on every page and API call when not null (a non-loopback address).</param>
    /// <param name="bundle">Where <c>GET /api/sessions/{id}/bundle</c> finds the transcripts and the CA (null: only the store).</param>
    public static async Task<WebEndpoint> StartAsync(IPEndPoint endPoint, SessionStore store, string? token, CancellationToken cancellationToken, WebBundle? bundle = null, MessageStore? messages = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(endPoint, l => l.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        var stopping = new CancellationTokenSource();
        app.Use(async (http, next) =>
        {
            WebSecurity.AddHeaders(http.Response);
            var path = http.Request.Path.Value ?? "/";
            var publicAsset = path is "/app.js" or "/app.css" or "/message.js";
            if (WebSecurity.Check(http.Request, publicAsset ? null : token) is { } refusal)
            {
                http.Response.StatusCode = refusal.Status;
                await http.Response.WriteAsJsonAsync(new ApiError(refusal.Error), WebJsonContext.Default.ApiError, contentType: null, http.RequestAborted);
                return;
            }

            await next(http);
        });
        app.MapGet("/", http => Asset(http, "index.html"));
        app.MapGet("/app.js", http => Asset(http, "app.js"));
        app.MapGet("/app.css", http => Asset(http, "app.css"));
        app.MapGet("/api/sessions", (HttpContext http) =>
        {
            var query = http.Request.Query;
            var limit = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l > 0 ? l : store.Capacity;
            var status = query["status"].ToString();
            if (status.Length > 0 && status is not ("open" or "accepted" or "rejected" or "failed" or "closed"))
            {
                return Json(http, new ApiError("status must be open, accepted, rejected, failed or closed"), WebJsonContext.Default.ApiError, StatusCodes.Status400BadRequest);
            }

            return Json(http, store.List(query["q"], status, limit), WebJsonContext.Default.SessionList);
        });
        app.MapGet("/api/sessions/{id}", (HttpContext http, string id) => store.Get(id) is { } detail
            ? Json(http, detail, WebJsonContext.Default.SessionDetail)
            : Json(http, new ApiError("no session " + id + " in the web history"), WebJsonContext.Default.ApiError, StatusCodes.Status404NotFound));
        app.MapGet("/api/sessions/{id}/bundle", async (HttpContext http, string id) =>
        {
            var mask = string.Equals(http.Request.Query["maskAddresses"], "true", StringComparison.OrdinalIgnoreCase);
            var zip = (bundle ?? new WebBundle(null, Commands.HomePaths.DefaultCertDirectory)).Build(id, store, mask);
            if (zip is null)
            {
                await Json(http, new ApiError("no session " + id + " in the transcripts of this run or the web history"), WebJsonContext.Default.ApiError, StatusCodes.Status404NotFound);
                return;
            }

            http.Response.ContentType = "application/zip";
            http.Response.Headers.ContentDisposition = "attachment; filename=\"smtptap-" + FileSafe(id) + (mask ? "-masked" : string.Empty) + ".zip\"";
            await http.Response.Body.WriteAsync(zip, http.RequestAborted);
        });
        app.MapGet("/api/sessions/{id}/transcript.txt", (HttpContext http, string id) =>
            Download(http, id, (bundle ?? new WebBundle(null, Commands.HomePaths.DefaultCertDirectory)).Text(id, store), "txt", "text/plain; charset=utf-8"));
        app.MapGet("/api/sessions/{id}/transcript.jsonl", (HttpContext http, string id) =>
            Download(http, id, (bundle ?? new WebBundle(null, Commands.HomePaths.DefaultCertDirectory)).JsonLines(id, store), "jsonl", "application/jsonl; charset=utf-8"));
        app.MapGet("/api/sessions/{id}/events", async (HttpContext http, string id) =>
        {
            if (store.Get(id) is null)
            {
                await Json(http, new ApiError("no session " + id + " in the web history"), WebJsonContext.Default.ApiError, StatusCodes.Status404NotFound);
                return;
            }

            var afterText = http.Request.Query["after"].ToString() is { Length: > 0 } a ? a : http.Request.Headers["Last-Event-ID"].ToString();
            var after = long.TryParse(afterText, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
            using var subscription = store.Subscribe(id, after);
            await StreamAsync(http, subscription, stopping.Token);
        });
        app.MapGet("/api/events", async (HttpContext http) =>
        {
            using var subscription = store.Subscribe(null);
            await StreamAsync(http, subscription, stopping.Token);
        });
        if (messages is not null)
        {
            MessageEndpoints.Map(app, messages);
        }

        await app.StartAsync(cancellationToken);
        var bound = new Uri(app.Urls.First());
        var url = new UriBuilder(bound) { Path = "/", Query = token is null ? string.Empty : WebSecurity.TokenParameter + "=" + token }.Uri;
        return new WebEndpoint(app, stopping, url);
    }

    private static Task Asset(HttpContext http, string name)
    {
        WebAssets.TryGet(name, out var content, out var type);
        http.Response.ContentType = type;
        return http.Response.Body.WriteAsync(content, http.RequestAborted).AsTask();
    }

    /// <summary>A session's transcript as an attachment (smtptap-ID.EXT), or 404.</summary>
    private static Task Download(HttpContext http, string id, string? content, string extension, string contentType)
    {
        if (content is null)
        {
            return Json(http, new ApiError("no session " + id + " in the transcripts of this run or the web history"), WebJsonContext.Default.ApiError, StatusCodes.Status404NotFound);
        }

        http.Response.ContentType = contentType;
        http.Response.Headers.ContentDisposition = "attachment; filename=\"smtptap-" + FileSafe(id) + "." + extension + "\"";
        return http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(content), http.RequestAborted).AsTask();
    }

    private static string FileSafe(string id) => new(id.Where(char.IsAsciiLetterOrDigit).ToArray());

    private static Task Json<T>(HttpContext http, T value, JsonTypeInfo<T> type, int status = StatusCodes.Status200OK)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(value, type, contentType: null, http.RequestAborted);
    }

    /// <summary>Server-sent events until the client leaves or the tap stops: "session", "line" (with id: its sequence number) and "removed".</summary>
    private static async Task StreamAsync(HttpContext http, SessionStore.Subscription subscription, CancellationToken stopping)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        var cancellationToken = done.Token;
        http.Response.ContentType = "text/event-stream; charset=utf-8";
        http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        var body = http.Response.Body;
        try
        {
            await body.WriteAsync(": smtptap\n\n"u8.ToArray(), cancellationToken);
            await body.FlushAsync(cancellationToken);
            var reader = subscription.Updates;
            while (!cancellationToken.IsCancellationRequested)
            {
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    wait.CancelAfter(s_keepAlive);
                    try
                    {
                        if (!await reader.WaitToReadAsync(wait.Token))
                        {
                            return;
                        }
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        await body.WriteAsync(": keep-alive\n\n"u8.ToArray(), cancellationToken);
                        await body.FlushAsync(cancellationToken);
                        continue;
                    }
                }

                await Task.Delay(subscription.SessionId is null ? s_gatherList : s_gatherLines, cancellationToken);
                var text = new StringBuilder();
                foreach (var update in subscription.TakeBatch())
                {
                    Append(text, update);
                }

                await body.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken);
                await body.FlushAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The client left, or the tap stops.
        }
        catch (IOException)
        {
        }
    }

    private static void Append(StringBuilder text, StoreUpdate update)
    {
        switch (update.Kind)
        {
            case StoreUpdateKind.Session:
                text.Append("event: session\ndata: ").Append(JsonSerializer.Serialize(update.Session!, WebJsonContext.Default.SessionSummary)).Append("\n\n");
                break;
            case StoreUpdateKind.Line:
                text.Append("event: line\nid: ").Append(update.Line!.Seq.ToString(CultureInfo.InvariantCulture))
                    .Append("\ndata: ").Append(JsonSerializer.Serialize(update.Line, WebJsonContext.Default.TimelineLine)).Append("\n\n");
                break;
            default:
                text.Append("event: removed\ndata: ").Append(JsonSerializer.Serialize(new RemovedSession(update.SessionId), WebJsonContext.Default.RemovedSession)).Append("\n\n");
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
