using System.Net;
using System.Net.Sockets;
using System.Text;
using Duende.IdentityModel.Client;

namespace SmtpTap.OAuth;

/// <summary>
/// The one-shot loopback redirect target of the browser flow (RFC 8252 section 7.3): listens on 127.0.0.1 on a
/// random port, answers other paths (favicon) with 404, and returns the first request to <c>/callback</c>.
/// </summary>
internal sealed class LoopbackRedirectListener : IDisposable
{
    private const int MaxRequestHead = 16 * 1024;
    private readonly TcpListener _listener;

    private LoopbackRedirectListener(TcpListener listener)
    {
        _listener = listener;
        RedirectUri = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/callback";
    }

    public string RedirectUri { get; }

    public static LoopbackRedirectListener Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new LoopbackRedirectListener(listener);
    }

    /// <summary>
    /// Waits for the redirect and returns it parsed (code, state, error); answers the browser with a short page.
    /// Connections are served side by side, so a browser's idle speculative connection cannot hold up the callback;
    /// the first request to <c>/callback</c> wins, later ones are told the sign-in was already received.
    /// </summary>
    public async Task<AuthorizeResponse> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var result = new TaskCompletionSource<AuthorizeResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var claimed = 0;
        var accepting = Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(cts.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                _ = ServeAsync(client, () => Interlocked.Exchange(ref claimed, 1) == 0, result, cts.Token);
            }
        }, CancellationToken.None);

        try
        {
            return await result.Task.WaitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new OAuthException($"no sign-in arrived at the loopback redirect within {timeout.TotalMinutes:0.#} minutes");
        }
        finally
        {
            await cts.CancelAsync();
            await accepting;
        }
    }

    private static async Task ServeAsync(TcpClient client, Func<bool> claim, TaskCompletionSource<AuthorizeResponse> result, CancellationToken cancellationToken)
    {
        using (client)
        {
            try
            {
                using var requestTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                requestTimeout.CancelAfter(TimeSpan.FromSeconds(30));
                await using var stream = client.GetStream();
                var target = await ReadRequestTargetAsync(stream, requestTimeout.Token);
                if (target is null || !target.StartsWith("/callback?", StringComparison.Ordinal))
                {
                    await RespondAsync(stream, "404 Not Found", "Not found.", requestTimeout.Token);
                    return;
                }

                if (!claim())
                {
                    await RespondAsync(stream, "200 OK", "SmtpTap: the sign-in was already received. See the terminal.", requestTimeout.Token);
                    return;
                }

                var response = new AuthorizeResponse("http://127.0.0.1" + target);
                var page = response.IsError
                    ? "SmtpTap: sign-in did not complete (" + WebUtility.HtmlEncode(response.Error) + "). See the terminal."
                    : "SmtpTap: sign-in received. You can close this tab and return to the terminal.";
                try
                {
                    await RespondAsync(stream, "200 OK", page, requestTimeout.Token);
                }
                finally
                {
                    result.TrySetResult(response);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A connection that says nothing, or goes away, is not the callback.
            }
        }
    }

    public void Dispose() => _listener.Stop();

    private static async Task<string?> ReadRequestTargetAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxRequestHead];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                break;
            }

            length += read;
            if (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0)
            {
                break;
            }
        }

        var head = Encoding.ASCII.GetString(buffer, 0, length);
        var lineEnd = head.IndexOf("\r\n", StringComparison.Ordinal);
        var parts = (lineEnd < 0 ? head : head[..lineEnd]).Split(' ');
        return parts.Length == 3 && parts[0] == "GET" ? parts[1] : null;
    }

    private static async Task RespondAsync(NetworkStream stream, string status, string text, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes("<!doctype html><html><body><p>" + text + "</p></body></html>");
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {body.Length}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(head, cancellationToken);
        await stream.WriteAsync(body, cancellationToken);
    }
}
