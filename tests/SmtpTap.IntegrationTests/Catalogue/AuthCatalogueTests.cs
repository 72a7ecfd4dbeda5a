using System.Text;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.Tests.Support;
using Xunit.Abstractions;
using static SmtpTap.IntegrationTests.Catalogue.AuthExchange;

namespace SmtpTap.IntegrationTests.Catalogue;

/// <summary>
/// Catalogue part D (AUTH decoding and masking) end to end through the tap. Common to every case: the server receives
/// exactly the client's bytes, the client exactly the server's replies, and no canary reaches any output of the tap.
/// Decoder details are also unit-tested in tests/SmtpTap.Tests/Auth (see docs/security.md for the mapping).
/// </summary>
public sealed class AuthCatalogueTests(ITestOutputHelper output)
{
    private async Task<string> RunAsync(AuthExchange exchange, params string[] canaries)
    {
        await using var server = new ScriptedServer(exchange.Server);
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: ScaledLimits.With(l => l));
        var replies = await exchange.RunClientAsync(harness);
        await harness.WaitForTranscriptAsync("Session closed");
        var all = await harness.AllOutputAsync();
        output.WriteLine(all);
        var received = server.ReceivedSnapshot();
        Assert.Equal(["EHLO client.test", .. exchange.ClientLines, "QUIT"], received);
        Assert.Equal(exchange.ServerReplies, string.Concat(replies));
        foreach (var canary in canaries)
        {
            SecretCanary.AssertAbsent(canary, all);
        }

        return all;
    }

    [Theory]
    [InlineData("initial-response")]
    [InlineData("no-initial-response")]
    [InlineData("authzid")]
    [InlineData("pipelined-with-mail")]
    public async Task D19_Plain_UserShownPasswordMasked(string variant)
    {
        const string canary = "CANARY-D19-pw";
        var exchange = new AuthExchange();
        switch (variant)
        {
            case "initial-response":
                exchange.Step("AUTH PLAIN " + B64("\0user@ex.org\0" + canary) + "\r\n", "235 2.7.0 Authentication successful\r\n");
                break;
            case "no-initial-response":
                exchange.Step("AUTH PLAIN\r\n", "334 \r\n").Step(B64("\0user@ex.org\0" + canary) + "\r\n", "235 2.7.0 Authentication successful\r\n");
                break;
            case "authzid":
                exchange.Step("AUTH PLAIN " + B64("admin\0user@ex.org\0" + canary) + "\r\n", "235 2.7.0 Authentication successful\r\n");
                break;
            default:
                exchange.Step("AUTH PLAIN " + B64("\0user@ex.org\0" + canary) + "\r\nMAIL FROM:<a@b>\r\n", "235 2.7.0 Authentication successful\r\n250 2.1.0 Ok\r\n");
                break;
        }

        var all = await RunAsync(exchange, canary);
        Assert.Contains("user=user@ex.org, password=********", all, StringComparison.Ordinal);
        Assert.Contains("Authentication successful", all, StringComparison.Ordinal);
        if (variant == "authzid")
        {
            Assert.Contains("authzid=admin", all, StringComparison.Ordinal);
        }

        if (variant == "pipelined-with-mail")
        {
            Assert.Contains("MAIL FROM:<a@b>", all, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("dXN!cg==")]
    [InlineData("=AAA")]
    [InlineData("AAA=BBB")]
    [InlineData("dXNlcg=")]
    [InlineData("dXNl cg==")]
    [InlineData("NO-NULS")]
    [InlineData("ONE-NUL")]
    [InlineData("THREE-NULS")]
    public async Task D20_MalformedBase64OrPlainStructure_RelayedUnchanged_501Relayed_RawNeverLogged(string blob)
    {
        const string canary = "CANARY-D20-pw";
        var line = blob switch
        {
            "NO-NULS" => B64("user" + canary),
            "ONE-NUL" => B64("user\0" + canary),
            "THREE-NULS" => B64("\0a\0b\0" + canary),
            _ => blob,
        };
        var exchange = new AuthExchange().Step("AUTH PLAIN\r\n", "334 \r\n").Step(line + "\r\n", "501 5.5.2 Cannot decode response\r\n");
        var all = await RunAsync(exchange, canary);
        Assert.Contains("malformed PLAIN response, masked", all, StringComparison.Ordinal);
        Assert.DoesNotContain(line, all, StringComparison.Ordinal);
        Assert.Contains("501 5.5.2 Cannot decode response", all, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("classic")]
    [InlineData("username-as-initial-response")]
    [InlineData("non-standard-prompts")]
    public async Task D21_Login_UsernameShownPasswordMaskedByPosition(string variant)
    {
        const string canary = "CANARY-D21-pw";
        var exchange = variant switch
        {
            "classic" => new AuthExchange().Step("AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n").Step(B64("jo@ex.org") + "\r\n", "334 UGFzc3dvcmQ6\r\n").Step(B64(canary) + "\r\n", "235 2.7.0 ok\r\n"),
            "username-as-initial-response" => new AuthExchange().Step("AUTH LOGIN " + B64("jo@ex.org") + "\r\n", "334 UGFzc3dvcmQ6\r\n").Step(B64(canary) + "\r\n", "235 2.7.0 ok\r\n"),
            _ => new AuthExchange().Step("AUTH LOGIN\r\n", "334 dXNlcm5hbWU6\r\n").Step(B64("jo@ex.org") + "\r\n", "334 UGFzc3dvcmQgcGxlYXNl\r\n").Step(B64(canary) + "\r\n", "235 2.7.0 ok\r\n"),
        };
        var all = await RunAsync(exchange, canary);
        Assert.Contains("jo@ex.org", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task D22a_CancelWithStar_501Relayed_ThenPlainAndMailInClear()
    {
        const string canary = "CANARY-D22-pw";
        var exchange = new AuthExchange()
            .Step("AUTH CRAM-MD5\r\n", "334 " + B64("<1896.697170952@postoffice.example.net>") + "\r\n")
            .Step("*\r\n", "501 5.7.0 Authentication cancelled\r\n")
            .Step("AUTH PLAIN " + B64("\0user@ex.org\0" + canary) + "\r\n", "235 2.7.0 ok\r\n")
            .Step("MAIL FROM:<a@b>\r\n", "250 2.1.0 Ok\r\n");
        var all = await RunAsync(exchange, canary);
        Assert.Contains("client cancelled authentication", all, StringComparison.Ordinal);
        Assert.Contains("MAIL FROM:<a@b>", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task D22b_StarOutsideAuth_RelayedAsAnUnknownCommand()
    {
        var exchange = new AuthExchange().Step("*\r\n", "500 5.5.2 Error: command not recognized\r\n");
        var all = await RunAsync(exchange);
        Assert.Contains("client>tap *", all, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("EXTERNAL")]
    [InlineData("PLAIN")]
    public async Task D22c_EqualsInitialResponse_ForwardedAsEqualsAndNamedEmpty(string mechanism)
    {
        var exchange = new AuthExchange().Step($"AUTH {mechanism} =\r\n", "535 5.7.8 no\r\n");
        var all = await RunAsync(exchange);
        Assert.Contains($"AUTH {mechanism} = [empty", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task D22d_EmptyChallengeWithTrailingSpace_PreservedByteForByte()
    {
        var exchange = new AuthExchange().Step("AUTH PLAIN\r\n", "334 \r\n").Step("*\r\n", "501 5.7.0 cancelled\r\n");
        var all = await RunAsync(exchange);
        Assert.Contains("[empty challenge]", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task D23a_CramMd5_Rfc2195Example_ChallengeAndUserShownDigestMasked()
    {
        const string digest = "b913a602c7eda7a495b4e6e7334d3890";
        var exchange = new AuthExchange()
            .Step("AUTH CRAM-MD5\r\n", "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n")
            .Step("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n", "235 2.7.0 ok\r\n");
        var all = await RunAsync(exchange, digest);
        Assert.Contains("1896.697170952@postoffice.reston.mci.net", all, StringComparison.Ordinal);
        Assert.Contains("tim", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task D23b_DigestMd5_Rfc2831Example_FieldsShownResponseAndRspauthMasked()
    {
        const string response = "d388dad90d4bbd760a152321f2143af7";
        const string rspauth = "ea40f60335c427b5527b84dbabcdfffd";
        var challenge = B64("realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\",algorithm=md5-sess,charset=utf-8");
        var answer = B64("charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\",digest-uri=\"imap/elwood.innosoft.com\",response=" + response + ",qop=auth");
        var exchange = new AuthExchange()
            .Step("AUTH DIGEST-MD5\r\n", "334 " + challenge + "\r\n")
            .Step(answer + "\r\n", "334 " + B64("rspauth=" + rspauth) + "\r\n")
            .Step("\r\n", "235 2.7.0 ok\r\n");
        var all = await RunAsync(exchange, response, rspauth);
        Assert.Contains("chris", all, StringComparison.Ordinal);
        Assert.Contains("imap/elwood.innosoft.com", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task D24a_XOAuth2_UserAndErrorJsonShown_TokenMasked()
    {
        const string token = "CANARY-D24-token";
        var exchange = new AuthExchange()
            .Step("AUTH XOAUTH2 " + B64("user=u@x.example\u0001auth=Bearer " + token + "\u0001\u0001") + "\r\n", "334 " + B64("{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail.example/\"}") + "\r\n")
            .Step("\r\n", "535 5.7.8 Username and Password not accepted\r\n");
        var all = await RunAsync(exchange, token);
        Assert.Contains("u@x.example", all, StringComparison.Ordinal);
        Assert.Contains("401", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task D24b_OAuthBearer_AuthzidHostPortShown_TokenMasked()
    {
        const string token = "CANARY-D24b-token";
        var exchange = new AuthExchange()
            .Step("AUTH OAUTHBEARER " + B64("n,a=u@x.example,\u0001host=mail.example\u0001port=587\u0001auth=Bearer " + token + "\u0001\u0001") + "\r\n", "334 " + B64("{\"status\":\"invalid_token\"}") + "\r\n")
            .Step(B64("\u0001") + "\r\n", "535 5.7.8 no\r\n");
        var all = await RunAsync(exchange, token);
        Assert.Contains("u@x.example", all, StringComparison.Ordinal);
        Assert.Contains("mail.example", all, StringComparison.Ordinal);
        Assert.Contains("587", all, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("user=u@x.example\u001Auth=Bearer ")]
    [InlineData("user=u@x.example auth=Bearer ")]
    [InlineData("user=u@x.example\tauth=Bearer ")]
    public async Task D24c_XOAuth2WrongSeparators_TokenNeverShownAsTheUser(string prefix)
    {
        const string token = "CANARY-D24c-token";
        var exchange = new AuthExchange().Step("AUTH XOAUTH2 " + B64(prefix + token + "\u0001\u0001") + "\r\n", "535 5.7.8 no\r\n");
        var all = await RunAsync(exchange, token);
        Assert.Contains("malformed", all, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL", "3rfcNHYJY1ZVvWVs7j", "QSXCR+Q6sek8bf92", "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", "rmF9pqV8S7suAoZWja4dJRkFsKQ=")]
    [InlineData("SCRAM-SHA-256", "rOprNGfwEbeRWgbNEkqO", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", "W22ZaJ0SNY7soEsUEjb6gQ==", "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")]
    public async Task D25_Scram_RfcExamples_PublicPartsShown_ProofAndSignatureMasked(string mechanism, string clientNonce, string serverNonce, string salt, string proof, string signature)
    {
        var nonce = clientNonce + serverNonce;
        var exchange = new AuthExchange()
            .Step($"AUTH {mechanism} " + B64("n,,n=user,r=" + clientNonce) + "\r\n", "334 " + B64($"r={nonce},s={salt},i=4096") + "\r\n")
            .Step(B64($"c=biws,r={nonce},p={proof}") + "\r\n", "334 " + B64("v=" + signature) + "\r\n")
            .Step("\r\n", "235 2.7.0 ok\r\n");
        var all = await RunAsync(exchange, proof.TrimEnd('='), signature.TrimEnd('='));
        Assert.Contains("4096", all, StringComparison.Ordinal);
        Assert.Contains(salt, all, StringComparison.Ordinal);
        Assert.Contains("user", all, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("y,,n=user,r=abcdefgh", "channel binding")]
    [InlineData("p=tls-exporter,,n=user,r=abcdefgh", "tls-exporter")]
    public async Task D26_ScramChannelBinding_DowngradeFlagOrPlusBinding_RelayedFailsAndExplained(string gs2, string expected)
    {
        var exchange = new AuthExchange("PIPELINING", "AUTH SCRAM-SHA-256-PLUS SCRAM-SHA-256")
            .Step("AUTH SCRAM-SHA-256 " + B64(gs2) + "\r\n", "535 5.7.8 Authentication failed\r\n");
        var all = await RunAsync(exchange);
        Assert.Contains(expected, all, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("removed", all, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task D27_Ntlm_SwaksVectors_TypeFlagsUserShown_ResponsesOnlyAsLengths()
    {
        var lm = Enumerable.Range(0, 24).Select(i => (byte)(0xA0 + i)).ToArray();
        var nt = Enumerable.Range(0, 24).Select(i => (byte)(0x30 + i)).ToArray();
        var type3 = NtlmType3(lm, nt, "validuser", "validuser");
        var exchange = new AuthExchange()
            .Step("AUTH NTLM TlRMTVNTUAABAAAAB6IAAAAAAAAAAAAAAAAAAAAAAAA=\r\n", "334 TlRMTVNTUAACAAAAAAAAAAAoAAABggAAbco4uro6HnYAAAAAAAAAAAAAAAAAAAAA\r\n")
            .Step(Convert.ToBase64String(type3) + "\r\n", "235 2.7.0 ok\r\n");
        var all = await RunAsync(exchange);
        SecretCanary.AssertAbsent(lm, all);
        SecretCanary.AssertAbsent(nt, all);
        Assert.Contains("NTLM NEGOTIATE (type 1): flags=0x0000A207", all, StringComparison.Ordinal);
        Assert.Contains("NTLM CHALLENGE (type 2)", all, StringComparison.Ordinal);
        Assert.Contains("user=validuser", all, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("offset-beyond-end")]
    [InlineData("length-ffff")]
    [InlineData("offset-into-header")]
    [InlineData("wrong-signature")]
    [InlineData("message-type-4")]
    [InlineData("odd-utf16")]
    [InlineData("random-12k")]
    public async Task D28_NtlmMalformed_RelayedUnchangedMaskedNoException(string variant)
    {
        var message = NtlmType3(new byte[24], new byte[24], "validuser", "ws");
        switch (variant)
        {
            case "offset-beyond-end":
                BitConverter.TryWriteBytes(message.AsSpan(40, 4), 60_000);
                break;
            case "length-ffff":
                BitConverter.TryWriteBytes(message.AsSpan(36, 2), (ushort)0xFFFF);
                break;
            case "offset-into-header":
                BitConverter.TryWriteBytes(message.AsSpan(40, 4), 4);
                break;
            case "wrong-signature":
                message[0] = (byte)'X';
                break;
            case "message-type-4":
                message[8] = 4;
                break;
            case "odd-utf16":
                BitConverter.TryWriteBytes(message.AsSpan(36, 2), (ushort)17);
                break;
            default:
                message = new byte[12 * 1024 * 3 / 4 - 16];
                new Random(28).NextBytes(message);
                break;
        }

        var blob = Convert.ToBase64String(message);
        var exchange = new AuthExchange()
            .Step("AUTH NTLM TlRMTVNTUAABAAAAB6IAAAAAAAAAAAAAAAAAAAAAAAA=\r\n", "334 TlRMTVNTUAACAAAAAAAAAAAoAAABggAAbco4uro6HnYAAAAAAAAAAAAAAAAAAAAA\r\n")
            .Step(blob + "\r\n", "535 5.7.8 no\r\n");
        var all = await RunAsync(exchange);
        Assert.DoesNotContain(blob[..40], all, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", all, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GSSAPI", "GSSAPI token, masked")]
    [InlineData("X-FOO", "mechanism X-FOO not decoded, masked")]
    public async Task D29_GssapiAndUnknownMechanisms_EverythingMasked(string mechanism, string expected)
    {
        var token = new byte[8 * 1024]; // about 11 KB as base64, within the 12288-octet AUTH line
        new Random(29).NextBytes(token);
        var blob = Convert.ToBase64String(token);
        var exchange = new AuthExchange()
            .Step($"AUTH {mechanism} {blob}\r\n", "334 " + B64("server-token-CANARY-D29") + "\r\n")
            .Step(B64("wrapped-layer-CANARY-D29") + "\r\n", "235 2.7.0 ok\r\n");
        var all = await RunAsync(exchange, "CANARY-D29");
        SecretCanary.AssertAbsent(token[..48], all);
        Assert.Contains(expected, all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task D30_UpstreamEchoesTheBlob_ClientGetsItUnchanged_LoggedCopyMasked()
    {
        const string canary = "CANARY-D30-pw";
        var blob = B64("\0user@ex.org\0" + canary);
        var exchange = new AuthExchange()
            .Step("AUTH PLAIN\r\n", "334 \r\n")
            .Step(blob + "\r\n", $"501 5.5.2 Cannot decode {blob}\r\n");
        var all = await RunAsync(exchange, canary);
        Assert.DoesNotContain(blob, all, StringComparison.Ordinal);
        Assert.Contains("501 5.5.2 Cannot decode ********", all, StringComparison.Ordinal);
    }

    /// <summary>A minimal NTLM AUTHENTICATE (type 3) with UNICODE strings, laid out per MS-NLMP 2.2.1.3 (no version, no MIC).</summary>
    internal static byte[] NtlmType3(byte[] lm, byte[] nt, string user, string workstation)
    {
        var userBytes = Encoding.Unicode.GetBytes(user);
        var wsBytes = Encoding.Unicode.GetBytes(workstation);
        const int header = 64;
        var message = new byte[header + lm.Length + nt.Length + userBytes.Length + wsBytes.Length];
        "NTLMSSP\0"u8.CopyTo(message);
        message[8] = 3;
        var offset = header;
        void Field(int at, byte[] data)
        {
            BitConverter.TryWriteBytes(message.AsSpan(at, 2), (ushort)data.Length);
            BitConverter.TryWriteBytes(message.AsSpan(at + 2, 2), (ushort)data.Length);
            BitConverter.TryWriteBytes(message.AsSpan(at + 4, 4), offset);
            data.CopyTo(message, offset);
            offset += data.Length;
        }

        Field(12, lm);
        Field(20, nt);
        Field(28, []);
        Field(36, userBytes);
        Field(44, wsBytes);
        Field(52, []);
        BitConverter.TryWriteBytes(message.AsSpan(60, 4), 0x00008201u);
        return message;
    }
}
