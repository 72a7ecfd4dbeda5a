using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace SmtpTap.LoadTest;

/// <summary>The three kinds of clients: idle sessions, slow clients (slowloris commands or trickled DATA), and normal senders.</summary>
internal static class LoadClients
{
    /// <summary>Connects, says EHLO, then stays silent until <paramref name="release"/>; true if the session was still served (QUIT → 221).</summary>
    public static async Task<LineConnection?> OpenIdleAsync(int port, CancellationToken cancellationToken)
    {
        var connection = await LineConnection.ConnectAsync(port, cancellationToken);
        await connection.ExpectAsync("220", cancellationToken);
        await connection.SendAsync("EHLO idle.load\r\n", cancellationToken);
        await connection.ExpectAsync("250", cancellationToken);
        return connection;
    }

    public static async Task<bool> CloseIdleAsync(LineConnection connection, CancellationToken cancellationToken)
    {
        await using (connection)
        {
            try
            {
                await connection.SendAsync("QUIT\r\n", cancellationToken);
                return (await connection.ReadReplyAsync(cancellationToken))?.StartsWith("221", StringComparison.Ordinal) == true;
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                return false;
            }
        }
    }

    /// <summary>A slow client; returns what cut it off (the tap's reply) and after how long.</summary>
    public static async Task<(string Outcome, TimeSpan After)> SlowAsync(int port, int index, bool inData, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        try
        {
            await using var connection = await LineConnection.ConnectAsync(port, cancellationToken);
            await connection.ExpectAsync("220", cancellationToken);
            if (inData)
            {
                await connection.SendAsync("EHLO slow.load\r\n", cancellationToken);
                await connection.ExpectAsync("250", cancellationToken);
                await connection.SendAsync("MAIL FROM:<slow@load.test>\r\n", cancellationToken);
                await connection.ExpectAsync("250", cancellationToken);
                await connection.SendAsync("RCPT TO:<sink@load.test>\r\n", cancellationToken);
                await connection.ExpectAsync("250", cancellationToken);
                await connection.SendAsync("DATA\r\n", cancellationToken);
                await connection.ExpectAsync("354", cancellationToken);
            }

            started.Restart();
            var reply = connection.ReadReplyAsync(cancellationToken);
            var text = inData ? $"X-Load-Id: slow-{index}\r\nSubject: slow\r\n\r\n" + new string('s', 4000) + "\r\n.\r\n" : "EHLO " + new string('x', 4000) + "\r\n";
            var bytes = Encoding.ASCII.GetBytes(text);
            var delay = inData ? 100 : 1000; // 10 bytes/s in DATA (minimum is 500), 1 byte/s for commands
            for (var i = 0; i < bytes.Length && !reply.IsCompleted; i++)
            {
                try
                {
                    await connection.SendAsync(bytes.AsMemory(i, 1), cancellationToken);
                }
                catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
                {
                    break;
                }

                await Task.WhenAny(reply, Task.Delay(delay, cancellationToken));
            }

            var line = await reply;
            return (line ?? "closed without reply", started.Elapsed);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            return ("error: " + ex.Message, started.Elapsed);
        }
    }

    /// <summary>Sends <paramref name="count"/> messages over one session (reconnecting and resending after a 4xx or a drop, as a real client would).</summary>
    public static async Task SendAsync(int port, int client, int count, ConcurrentBag<string> accepted, ConcurrentBag<string> problems, CancellationToken cancellationToken)
    {
        var next = 0;
        var attempts = 0;
        while (next < count && attempts < count + 20)
        {
            attempts++;
            try
            {
                await using var connection = await LineConnection.ConnectAsync(port, cancellationToken);
                await connection.ExpectAsync("220", cancellationToken);
                await connection.SendAsync($"EHLO normal{client}.load\r\n", cancellationToken);
                await connection.ExpectAsync("250", cancellationToken);
                for (; next < count; next++)
                {
                    var id = $"n{client:D2}-{next:D4}";
                    await connection.SendAsync($"MAIL FROM:<c{client}@load.test>\r\nRCPT TO:<sink@load.test>\r\n", cancellationToken);
                    await connection.ExpectAsync("250", cancellationToken);
                    await connection.ExpectAsync("250", cancellationToken);
                    await connection.SendAsync("DATA\r\n", cancellationToken);
                    await connection.ExpectAsync("354", cancellationToken);
                    var body = new StringBuilder().Append("X-Load-Id: ").Append(id).Append("\r\nSubject: load ").Append(id).Append("\r\n\r\n");
                    for (var l = 0; l < 1 + (next % 40); l++)
                    {
                        body.Append(l % 7 == 0 ? ".dot-stuffed " : "line ").Append(l).Append(' ').Append('x', 60).Append("\r\n");
                    }

                    body.Replace("\r\n.dot", "\r\n..dot");
                    await connection.SendAsync(body.Append(".\r\n").ToString(), cancellationToken);
                    var final = await connection.ReadReplyAsync(cancellationToken) ?? throw new IOException("closed after the end of data");
                    if (!final.StartsWith("250", StringComparison.Ordinal))
                    {
                        problems.Add($"{id}: {final}");
                        throw new IOException("not accepted: " + final);
                    }

                    accepted.Add(id);
                }

                await connection.SendAsync("QUIT\r\n", cancellationToken);
                await connection.ReadReplyAsync(cancellationToken);
            }
            catch (IOException ex)
            {
                problems.Add($"client {client}: {ex.Message} (reconnecting)");
            }
        }
    }
}
