using System.Text;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.Tests.Support;
using Xunit.Abstractions;

namespace SmtpTap.IntegrationTests.Auth;

/// <summary>
/// Generated AUTH sessions (seeded, so a failure names the session that leaked): random SP/HTAB separators, leading
/// separators, verb and mechanism casing, PLAIN/LOGIN/XOAUTH2 with and without initial responses, "AUTH PLAIN =" then
/// the blob, base64 wrapped over two lines, responses pipelined behind an AUTH the server refuses at once (504, 503),
/// cancels, wrong and right passwords, lock-step and whole-session-at-once clients. The upstream answers like Postfix
/// (it tokenizes on SP/HTAB and answers 502 to lines it does not know). After all of them, no secret line the client
/// sent, no password (raw, UTF-16, hex, base64 at three alignments, the PLAIN blob) and no token may appear in any
/// output: console, per-session transcript files and the log file, in text and JSON.
/// </summary>
public sealed class AuthMaskingFuzzTests(ITestOutputHelper output)
{
    private const int SessionsPerMode = 70;

    [Theory]
    [InlineData(false, 20261204)]
    [InlineData(true, 4122026)]
    public async Task GeneratedAuthSessions_NoSecretInAnyOutput(bool json, int seed)
    {
        var random = new Random(seed);
        await using var server = new ScriptedServer(PostfixLikeAsync);
        await using var harness = await TapHarness.StartScriptedAsync(server, json: json);
        var sessions = new List<GeneratedSession>();
        for (var i = 0; i < SessionsPerMode; i++)
        {
            var session = GeneratedSession.Create(random, i);
            sessions.Add(session);
            await RunAsync(harness, session);
        }

        await harness.WaitForTranscriptAsync("Session closed", SessionsPerMode);
        var all = await harness.AllOutputAsync();
        foreach (var session in sessions)
        {
            foreach (var secretLine in session.SecretLines)
            {
                Assert.False(all.Contains(secretLine, StringComparison.Ordinal), $"session {session.Description}: the secret line '{secretLine}' appears in an output");
            }

            foreach (var secret in session.Secrets)
            {
                SecretCanary.AssertAbsent(secret, all);
            }
        }

        output.WriteLine($"{sessions.Count} generated AUTH sessions (json={json}, seed={seed}); e.g. {sessions[0].Description}");
    }

    private static async Task RunAsync(TapHarness harness, GeneratedSession session)
    {
        await using var client = await RawSmtpClient.ConnectAndEhloAsync(harness.Port);
        if (session.AllAtOnce)
        {
            await client.SendAsync(string.Concat(session.Lines.Select(l => l + "\r\n")) + "QUIT\r\n");
        }
        else
        {
            foreach (var line in session.Lines)
            {
                await client.SendAsync(line + "\r\n");
                await Task.Delay(15);
            }

            await client.SendAsync("QUIT\r\n");
        }

        Assert.True(await client.ClosedAsync(), $"session {session.Description} did not end");
    }

    /// <summary>The upstream: Postfix-like tokenizing, AUTH decisions carried in the user name the generator chose.</summary>
    private static async Task PostfixLikeAsync(ScriptedConnection c)
    {
        await c.SendAsync("220 fuzz.example ESMTP\r\n");
        var authenticated = false;
        while (await c.ReadRawLineAsync() is { } line)
        {
            var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var verb = words.Length > 0 ? words[0].ToUpperInvariant() : string.Empty;
            switch (verb)
            {
                case "EHLO":
                    await c.SendAsync("250-fuzz.example\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN XOAUTH2\r\n250 8BITMIME\r\n");
                    break;
                case "AUTH":
                    authenticated |= await AuthAsync(c, words, authenticated);
                    break;
                case "QUIT":
                    await c.SendAsync("221 2.0.0 Bye\r\n");
                    return;
                case "MAIL" or "RCPT" or "RSET" or "NOOP":
                    await c.SendAsync("250 2.0.0 Ok\r\n");
                    break;
                default:
                    await c.SendAsync("502 5.5.2 Error: command not recognized\r\n");
                    break;
            }
        }
    }

    private static async Task<bool> AuthAsync(ScriptedConnection c, string[] words, bool authenticated)
    {
        if (authenticated)
        {
            await c.SendAsync("503 5.5.1 Error: already authenticated\r\n");
            return false;
        }

        var mechanism = words.Length > 1 ? words[1].ToUpperInvariant() : string.Empty;
        var initial = words.Length > 2 ? words[2] : null;
        if (mechanism is not ("PLAIN" or "LOGIN" or "XOAUTH2"))
        {
            await c.SendAsync("504 5.5.4 Unrecognized authentication type\r\n");
            return false;
        }

        var responses = new List<string>();
        if (initial is not null)
        {
            responses.Add(initial);
        }

        if (mechanism == "PLAIN" && initial is null)
        {
            await c.SendAsync("334 \r\n");
            responses.Add(await c.ReadRawLineAsync() ?? "*");
        }
        else if (mechanism == "LOGIN")
        {
            if (initial is null)
            {
                await c.SendAsync("334 VXNlcm5hbWU6\r\n");
                responses.Add(await c.ReadRawLineAsync() ?? "*");
            }

            if (responses[^1] != "*")
            {
                await c.SendAsync("334 UGFzc3dvcmQ6\r\n");
                responses.Add(await c.ReadRawLineAsync() ?? "*");
            }
        }

        if (responses.Contains("*"))
        {
            await c.SendAsync("501 5.7.0 Authentication aborted\r\n");
            return false;
        }

        var decoded = string.Join("|", responses.Select(TryDecode));
        if (decoded.Contains("good-", StringComparison.Ordinal))
        {
            await c.SendAsync("235 2.7.0 Authentication successful\r\n");
            return true;
        }

        await c.SendAsync("535 5.7.8 Error: authentication failed: " + (responses.Count > 0 && responses[0] == "=" ? "empty" : "bad") + "\r\n");
        return false;
    }

    private static string TryDecode(string base64)
    {
        try
        {
            return Encoding.Latin1.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return string.Empty;
        }
    }

    private sealed record GeneratedSession(string Description, List<string> Lines, List<string> SecretLines, List<string> Secrets, bool AllAtOnce)
    {
        private static readonly string[] s_separators = [" ", "\t", "  ", " \t", "\t\t", "\t "];

        public static GeneratedSession Create(Random random, int index)
        {
            var password = $"{(random.Next(2) == 0 ? "good" : "bad")}-Cnry{index}x{random.Next(100000, 999999)}pw!";
            var token = $"ya29.Cnry{index}tok{random.Next(100000, 999999)}";
            var user = $"user{index}@fuzz.example";
            var lines = new List<string>();
            var secretLines = new List<string>();
            var secrets = new List<string> { password, token };
            var describe = new StringBuilder($"#{index}");

            string Sep() => s_separators[random.Next(s_separators.Length)];
            string Case(string word) => new([.. word.Select(ch => random.Next(2) == 0 ? char.ToLowerInvariant(ch) : ch)]);
            string Lead() => random.Next(3) == 0 ? Sep() : string.Empty;
            void Secret(string line)
            {
                lines.Add(line);
                secretLines.Add(line.Trim(' ', '\t'));
            }

            void Wrapped(string blob)
            {
                var cut = 4 + random.Next(Math.Max(1, blob.Length - 8));
                Secret(blob[..cut]);
                Secret(blob[cut..]);
            }

            // A refused mechanism first: the response the client pipelined behind it is a secret the server never asked for.
            if (random.Next(4) == 0)
            {
                var plain = B64("\0" + user + "\0" + password);
                lines.Add(Lead() + Case("AUTH") + Sep() + "X-UNKNOWN");
                Secret(plain);
                describe.Append(" refused-mech+pipelined-blob");
            }

            var mechanism = random.Next(3);
            var cancel = random.Next(8) == 0;
            switch (mechanism)
            {
                case 0:
                    var blob = B64("\0" + user + "\0" + password);
                    switch (random.Next(4))
                    {
                        case 0:
                            var ir = Lead() + Case("AUTH") + Sep() + Case("PLAIN") + Sep() + blob;
                            lines.Add(ir);
                            secretLines.Add(blob);
                            describe.Append(" PLAIN-ir");
                            break;
                        case 1:
                            lines.Add(Lead() + Case("AUTH") + Sep() + Case("PLAIN"));
                            Secret(cancel ? "*" : blob);
                            describe.Append(" PLAIN-334");
                            break;
                        case 2:
                            lines.Add(Lead() + Case("AUTH") + Sep() + Case("PLAIN") + Sep() + "=");
                            Secret(blob);
                            describe.Append(" PLAIN-=-then-blob");
                            break;
                        default:
                            lines.Add(Lead() + Case("AUTH") + Sep() + Case("PLAIN"));
                            Wrapped(blob);
                            describe.Append(" PLAIN-wrapped");
                            break;
                    }

                    break;
                case 1:
                    var pw = B64(password);
                    if (random.Next(2) == 0)
                    {
                        lines.Add(Lead() + Case("AUTH") + Sep() + Case("LOGIN") + Sep() + B64(user));
                        describe.Append(" LOGIN-ir");
                    }
                    else
                    {
                        lines.Add(Lead() + Case("AUTH") + Sep() + Case("LOGIN"));
                        lines.Add(B64(user));
                        describe.Append(" LOGIN");
                    }

                    if (cancel)
                    {
                        lines.Add("*");
                    }
                    else if (random.Next(3) == 0)
                    {
                        Wrapped(pw);
                        describe.Append("-wrapped");
                    }
                    else
                    {
                        Secret(pw);
                    }

                    break;
                default:
                    var bearer = B64("user=" + user + "\u0001auth=Bearer " + token + "\u0001\u0001");
                    lines.Add(Lead() + Case("AUTH") + Sep() + Case("XOAUTH2") + Sep() + bearer);
                    secretLines.Add(bearer);
                    describe.Append(" XOAUTH2");
                    break;
            }

            // A second AUTH after success is refused (503) while the client pipelines its blob behind it.
            if (random.Next(5) == 0)
            {
                lines.Add(Lead() + Case("AUTH") + Sep() + Case("PLAIN"));
                Secret(B64("\0" + user + "\0" + password));
                describe.Append(" second-auth");
            }

            lines.Add(Case("MAIL") + Sep() + "FROM:<" + user + ">");
            var allAtOnce = random.Next(2) == 0;
            describe.Append(allAtOnce ? " all-at-once" : " lock-step").Append(cancel ? " cancel" : string.Empty);
            secretLines.RemoveAll(l => l is "*" or "=" || l.Length < 6);
            return new GeneratedSession(describe.ToString(), lines, secretLines, secrets, allAtOnce);
        }

        private static string B64(string text) => Convert.ToBase64String(Encoding.Latin1.GetBytes(text));
    }
}
