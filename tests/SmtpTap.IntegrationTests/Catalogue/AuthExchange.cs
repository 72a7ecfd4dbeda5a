using System.Text;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Catalogue;

/// <summary>
/// One scripted AUTH conversation through the tap: each step is what the client writes (one write, possibly several
/// lines) and what the server answers (one reply per line). Afterwards the test can check that the server received
/// exactly the client's lines, the client exactly the server's replies, and what every output of the tap shows.
/// </summary>
internal sealed class AuthExchange
{
    private readonly List<(string Client, string Server)> _steps = [];

    public AuthExchange(params string[] capabilities) => Capabilities = capabilities.Length == 0 ? ["PIPELINING", "AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5 XOAUTH2 OAUTHBEARER SCRAM-SHA-1 SCRAM-SHA-256 NTLM GSSAPI EXTERNAL X-FOO"] : capabilities;

    public string[] Capabilities { get; }

    public AuthExchange Step(string client, string server)
    {
        _steps.Add((client, server));
        return this;
    }

    public static string B64(string text) => Convert.ToBase64String(Encoding.Latin1.GetBytes(text));

    /// <summary>The server side: greeting, EHLO, then the scripted replies, then 221 to QUIT.</summary>
    public Func<ScriptedConnection, Task> Server => async c =>
    {
        await c.GreetAndEhloAsync(Capabilities);
        foreach (var (client, server) in _steps)
        {
            // One reply per client line, each sent as soon as its line arrives (as a real server does).
            foreach (var reply in Replies(server))
            {
                await c.ReadLineAsync();
                await c.SendAsync(reply);
            }
        }

        if (await c.ReadLineAsync() is not null)
        {
            await c.SendAsync("221 2.0.0 Bye\r\n");
        }
    };

    /// <summary>Runs the client side; returns the raw replies the client received, in order.</summary>
    public async Task<List<string>> RunClientAsync(TapHarness harness)
    {
        var received = new List<string>();
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO client.test\r\n");
        await raw.ExpectAsync(250);
        foreach (var (client, server) in _steps)
        {
            await raw.SendAsync(client);
            var replies = server.Split("\r\n", StringSplitOptions.None).Count(l => l.Length >= 4 && l[3] == ' ');
            for (var i = 0; i < replies; i++)
            {
                var bytes = await raw.ReadRawReplyAsync();
                Assert.NotNull(bytes);
                received.Add(Encoding.Latin1.GetString(bytes));
            }
        }

        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);
        return received;
    }

    /// <summary>Every line the client wrote after EHLO, as the scripted server records them (escaped, without CRLF).</summary>
    public IEnumerable<string> ClientLines => _steps.SelectMany(s => s.Client.Split("\r\n")[..^1]).Select(l => SmtpTap.Core.Transcript.TranscriptText.Decode(Encoding.Latin1.GetBytes(l)));

    private static List<string> Replies(string server)
    {
        var replies = new List<string>();
        var current = new StringBuilder();
        foreach (var line in server.Split("\r\n")[..^1])
        {
            current.Append(line).Append("\r\n");
            if (line.Length < 4 || line[3] == ' ')
            {
                replies.Add(current.ToString());
                current.Clear();
            }
        }

        return replies;
    }

    public string ServerReplies => string.Concat(_steps.Select(s => s.Server));
}
