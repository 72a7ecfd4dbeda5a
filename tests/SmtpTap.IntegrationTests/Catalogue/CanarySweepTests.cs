using System.Text;
using System.Text.Json;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.Tests.Support;
using Xunit.Abstractions;
using static SmtpTap.IntegrationTests.Catalogue.AuthExchange;

namespace SmtpTap.IntegrationTests.Catalogue;

/// <summary>
/// D31: the canary sweep. Every mechanism of D19-D30 with its own canary, in text and JSON output, with console,
/// per-session transcript files, the log file and an EventListener on every EventSource captured; every canary must be
/// absent from all of them in every encoding and alignment (SecretCanary).
/// </summary>
[Collection(IsolatedCollection.Name)] // its EventListener hears every EventSource in the process
public sealed class CanarySweepTests(ITestOutputHelper output)
{
    private static IEnumerable<(string Name, AuthExchange Exchange, string[] Canaries, byte[][] BinaryCanaries)> Exchanges()
    {
        yield return ("PLAIN", new AuthExchange().Step("AUTH PLAIN " + B64("\0user@ex.org\0Sweep-PLAIN-pw1") + "\r\nMAIL FROM:<a@b>\r\n", "235 2.7.0 ok\r\n250 2.1.0 Ok\r\n"), ["Sweep-PLAIN-pw1"], []);
        yield return ("LOGIN", new AuthExchange().Step("AUTH LOGIN " + B64("jo@ex.org") + "\r\n", "334 UGFzc3dvcmQ6\r\n").Step(B64("Sweep-LOGIN-pw2") + "\r\n", "535 5.7.8 no\r\n"), ["Sweep-LOGIN-pw2"], []);
        yield return ("CRAM-MD5", new AuthExchange().Step("AUTH CRAM-MD5\r\n", "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n").Step("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n", "235 2.7.0 ok\r\n"), ["b913a602c7eda7a495b4e6e7334d3890"], []);
        yield return ("XOAUTH2", new AuthExchange().Step("AUTH XOAUTH2 " + B64("user=u@x.example\u0001auth=Bearer Sweep-XOAUTH2-tok3\u0001\u0001") + "\r\n", "334 " + B64("{\"status\":\"401\"}") + "\r\n").Step("\r\n", "535 5.7.8 no\r\n"), ["Sweep-XOAUTH2-tok3"], []);
        yield return ("OAUTHBEARER", new AuthExchange().Step("AUTH OAUTHBEARER " + B64("n,a=u@x.example,\u0001host=h\u0001port=587\u0001auth=Bearer Sweep-OAUTHBEARER-tok4\u0001\u0001") + "\r\n", "235 2.7.0 ok\r\n"), ["Sweep-OAUTHBEARER-tok4"], []);
        yield return ("SCRAM", new AuthExchange()
            .Step("AUTH SCRAM-SHA-256 " + B64("n,,n=user,r=rOprNGfwEbeRWgbNEkqO") + "\r\n", "334 " + B64("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096") + "\r\n")
            .Step(B64("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=") + "\r\n", "334 " + B64("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=") + "\r\n")
            .Step("\r\n", "235 2.7.0 ok\r\n"), ["dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ", "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4"], []);
        var lm = Encoding.ASCII.GetBytes("SweepLmResponse-24bytes!");
        var nt = Encoding.ASCII.GetBytes("SweepNtResponse-24bytes!");
        yield return ("NTLM", new AuthExchange()
            .Step("AUTH NTLM TlRMTVNTUAABAAAAB6IAAAAAAAAAAAAAAAAAAAAAAAA=\r\n", "334 TlRMTVNTUAACAAAAAAAAAAAoAAABggAAbco4uro6HnYAAAAAAAAAAAAAAAAAAAAA\r\n")
            .Step(Convert.ToBase64String(AuthCatalogueTests.NtlmType3(lm, nt, "validuser", "ws")) + "\r\n", "235 2.7.0 ok\r\n"), [], [lm, nt]);
        yield return ("GSSAPI", new AuthExchange().Step("AUTH GSSAPI " + B64("Sweep-GSSAPI-ticket5") + "\r\n", "334 " + B64("Sweep-GSSAPI-server6") + "\r\n").Step(B64("Sweep-GSSAPI-layer7") + "\r\n", "235 2.7.0 ok\r\n"), ["Sweep-GSSAPI-ticket5", "Sweep-GSSAPI-server6", "Sweep-GSSAPI-layer7"], []);
        yield return ("X-FOO", new AuthExchange().Step("AUTH X-FOO " + B64("Sweep-XFOO-secret8") + "\r\n", "535 5.7.8 no\r\n"), ["Sweep-XFOO-secret8"], []);
        var echoed = B64("\0user@ex.org\0Sweep-ECHO-pw9");
        yield return ("ECHO", new AuthExchange().Step("AUTH PLAIN\r\n", "334 \r\n").Step(echoed + "\r\n", $"501 5.5.2 Cannot decode {echoed}\r\n"), ["Sweep-ECHO-pw9"], []);
        yield return ("MALFORMED", new AuthExchange().Step("AUTH XOAUTH2 " + B64("user=u@x auth=Bearer Sweep-BAD-tok10") + "\r\n", "535 5.7.8 no\r\n"), ["Sweep-BAD-tok10"], []);
    }

    [Fact]
    public async Task D31_CanarySweep_EveryMechanismEveryOutputIncludingEventSources_NoCanaryAnywhere()
    {
        using var events = new EventSourceCapture();
        var outputs = new StringBuilder();
        var all = Exchanges().ToList();
        foreach (var json in new[] { false, true })
        {
            foreach (var (name, exchange, _, _) in all)
            {
                await using var server = new ScriptedServer(exchange.Server);
                await using var harness = await TapHarness.StartScriptedAsync(server, configure: ScaledLimits.With(l => l), json: json);
                var replies = await exchange.RunClientAsync(harness);
                Assert.Equal(exchange.ServerReplies, string.Concat(replies));
                await harness.WaitForTranscriptAsync("Session closed");
                outputs.AppendLine(await harness.AllOutputAsync());
                output.WriteLine($"{name} json={json}: relayed");
            }
        }

        var everything = outputs.ToString() + "\n" + events.Text;
        output.WriteLine($"{everything.Length} characters of output, {events.Events} EventSource events captured");
        Assert.True(events.Events > 0, "the EventListener must have seen events (sockets, TLS, runtime)");
        foreach (var (name, _, canaries, binary) in all)
        {
            foreach (var canary in canaries)
            {
                SecretCanary.AssertAbsent(canary, everything);
            }

            foreach (var secret in binary)
            {
                SecretCanary.AssertAbsent(secret, everything);
            }
        }

        Assert.Empty(events.EnabledPrivateSources());
    }

    [Fact]
    public void D31_SerialisedDescriberAndReplyObjects_CarryNoCanary()
    {
        const string canary = "Sweep-SERIAL-pw11";
        var describer = SmtpTap.Core.Auth.SaslDescriberFactory.Create("PLAIN", new SmtpTap.Core.Auth.SaslMaskOptions());
        var shown = describer.DescribeClient(Encoding.ASCII.GetBytes(B64("\0u\0" + canary)), isInitialResponse: true);
        var reply = new SmtpTap.Core.Protocol.SmtpReply(334, [string.Empty]);
        var texts = new[]
        {
            shown,
            describer.ToString() ?? string.Empty,
            JsonSerializer.Serialize(describer, describer.GetType()),
            reply.ToString() ?? string.Empty,
        };
        foreach (var text in texts)
        {
            SecretCanary.AssertAbsent(canary, text);
        }
    }
}
