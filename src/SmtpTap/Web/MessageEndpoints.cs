using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using MimeKit;

namespace SmtpTap.Web;

/// <summary>
/// The message API under the web UI's rules (token, headers: see <see cref="WebSecurity"/>):
/// <c>GET /api/sessions/{id}/messages</c>, <c>GET /api/messages/{id}</c>, <c>/raw</c> (the .eml), <c>/parts/{partId}</c>
/// (a part, decoded, always as an octet-stream download) and <c>/html</c> (the HTML part for the page's sandboxed
/// iframe, under its own policy: no script, nothing fetched but data: images).
/// </summary>
internal static class MessageEndpoints
{
    /// <summary>The HTML part's own policy: a sandbox (no script, opaque origin), nothing remote, only data: images and inline styles.</summary>
    public const string HtmlContentSecurityPolicy =
        "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

    public static void Map(WebApplication app, MessageStore messages)
    {
        app.MapGet("/message.js", http => Asset(http, "message.js"));
        app.MapGet("/api/sessions/{id}/messages", (HttpContext http, string id) =>
            Json(http, new SessionMessageList(id, [.. messages.OfSession(id).Select(MessageView.Summarize)]), MessageJsonContext.Default.SessionMessageList));
        app.MapGet("/api/messages/{id}", async (HttpContext http, string id) =>
        {
            if (messages.Get(id) is not { } stored)
            {
                await NotFound(http, id);
                return;
            }

            await Json(http, await MessageView.DescribeAsync(stored, http.RequestAborted), MessageJsonContext.Default.MessageDetail);
        });
        app.MapGet("/api/messages/{id}/raw", async (HttpContext http, string id) =>
        {
            if (Stored(messages, id) is not { } path)
            {
                await NotFound(http, id);
                return;
            }

            http.Response.ContentType = "message/rfc822";
            http.Response.Headers.ContentDisposition = Attachment("smtptap-" + id + ".eml");
            await using var file = File.OpenRead(path);
            http.Response.ContentLength = file.Length;
            await file.CopyToAsync(http.Response.Body, http.RequestAborted);
        });
        app.MapGet("/api/messages/{id}/parts/{partId}", async (HttpContext http, string id, string partId) =>
        {
            if (Stored(messages, id) is not { } path)
            {
                await NotFound(http, id);
                return;
            }

            await using var file = File.OpenRead(path);
            var mime = await MimeMessage.LoadAsync(file, persistent: true, http.RequestAborted);
            var entity = mime.Body is null ? null : MessageView.Find(mime.Body, partId);
            if (entity is null)
            {
                await NotFound(http, id + " part " + partId);
                return;
            }

            // Never rendered by the browser, whatever the part says it is: a download.
            http.Response.ContentType = "application/octet-stream";
            var name = entity.ContentDisposition?.FileName ?? entity.ContentType.Name;
            http.Response.Headers.ContentDisposition = Attachment(name ?? "part-" + partId + (entity is MessagePart ? ".eml" : ".bin"));
            switch (entity)
            {
                case MimePart { Content: { } content }:
                    await content.DecodeToAsync(http.Response.Body, http.RequestAborted);
                    break;
                case MessagePart { Message: { } inner }:
                    await inner.WriteToAsync(http.Response.Body, http.RequestAborted);
                    break;
                case Multipart multipart:
                    await multipart.WriteToAsync(http.Response.Body, http.RequestAborted);
                    break;
            }
        });
        app.MapGet("/api/messages/{id}/html", async (HttpContext http, string id) =>
        {
            if (Stored(messages, id) is not { } path)
            {
                await NotFound(http, id);
                return;
            }

            await using var file = File.OpenRead(path);
            var mime = await MimeMessage.LoadAsync(file, persistent: true, http.RequestAborted);
            if ((mime.Body is null ? null : MessageView.FirstHtml(mime.Body)) is not { } html)
            {
                await NotFound(http, id + " HTML part");
                return;
            }

            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = HtmlContentSecurityPolicy;
            headers.XFrameOptions = "SAMEORIGIN";
            http.Response.ContentType = "text/html; charset=utf-8";
            await http.Response.WriteAsync(html.Text ?? string.Empty, http.RequestAborted);
        });
    }

    private static string? Stored(MessageStore messages, string id) =>
        messages.Get(id) is { FilePath: { } path } && File.Exists(path) ? path : null;

    private static string Attachment(string fileName)
    {
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(DisplayText.Escape(fileName).Replace('"', '\''));
        return disposition.ToString();
    }

    private static Task NotFound(HttpContext http, string what) =>
        Json(http, new ApiError("no message " + what + " in the web history (or no stored copy of it)"), WebJsonContext.Default.ApiError, StatusCodes.Status404NotFound);

    private static Task Asset(HttpContext http, string name)
    {
        WebAssets.TryGet(name, out var content, out var type);
        http.Response.ContentType = type;
        return http.Response.Body.WriteAsync(content, http.RequestAborted).AsTask();
    }

    private static Task Json<T>(HttpContext http, T value, JsonTypeInfo<T> type, int status = StatusCodes.Status200OK)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(value, type, contentType: null, http.RequestAborted);
    }
}
