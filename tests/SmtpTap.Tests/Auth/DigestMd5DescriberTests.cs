using System.Security.Cryptography;
using System.Text;
using SmtpTap.Tests.Support;
using static SmtpTap.Tests.Auth.AuthTestText;

namespace SmtpTap.Tests.Auth;

public sealed class DigestMd5DescriberTests
{
    private const string Challenge = "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\",algorithm=md5-sess,charset=utf-8";

    [Fact]
    public void DigestMd5_Rfc2831Exchange_ShowsFieldsMasksResponseAndRspauth()
    {
        var response = Compute("AUTHENTICATE:imap/elwood.innosoft.com");
        var rspauth = Compute(":imap/elwood.innosoft.com");
        Assert.Equal("d388dad90d4bbd760a152321f2143af7", response);
        Assert.Equal("ea40f60335c427b5527b84dbabcdfffd", rspauth);
        var d = Create("DIGEST-MD5");

        var challenge = d.Server(B64(Challenge));
        var client = d.Client(B64($"charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\",digest-uri=\"imap/elwood.innosoft.com\",response={response},qop=auth"));
        var final = d.Server(B64("rspauth=" + rspauth));

        Assert.Equal($"{B64(Challenge)} [realm=\"elwood.innosoft.com\", nonce=\"OA6MG9tEQGm2hh\", qop=\"auth\", algorithm=md5-sess, charset=utf-8]", challenge);
        Assert.Equal("******** [charset=utf-8, username=\"chris\", realm=\"elwood.innosoft.com\", nonce=\"OA6MG9tEQGm2hh\", nc=00000001, cnonce=\"OA6MHXh6VqTrRk\", digest-uri=\"imap/elwood.innosoft.com\", response=********, qop=auth]", client);
        Assert.Equal("******** [rspauth=********]", final);
        var all = challenge + client + final;
        SecretCanary.AssertAbsent(response, all);
        SecretCanary.AssertAbsent(rspauth, all);
        SecretCanary.AssertAbsent("secret", all);
    }

    [Fact]
    public void DigestMd5_AuthConf_FlaggedAsSecurityLayer()
    {
        var d = Create("DIGEST-MD5");

        var challenge = d.Server(B64("realm=\"r\",nonce=\"n\",qop=\"auth,auth-int,auth-conf\",cipher=\"rc4,3des\",algorithm=md5-sess"));
        var client = d.Client(B64("username=\"chris\",nonce=\"n\",cnonce=\"c\",nc=00000001,qop=auth-conf,digest-uri=\"smtp/mx\",response=0123456789abcdef0123456789abcdef,cipher=rc4"));

        Assert.Contains("SASL security layer auth-conf", challenge, StringComparison.Ordinal);
        Assert.Contains("SASL security layer auth-conf (integrity and confidentiality)", client, StringComparison.Ordinal);
        Assert.Contains("wrapped", client, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("username=\"chris")]
    [InlineData("username")]
    [InlineData("=x")]
    [InlineData("username=\"a\" realm=\"b\"")]
    public void DigestMd5_Malformed_Masked(string payload)
    {
        Assert.Equal("******** [malformed DIGEST-MD5 response, masked]", Create("DIGEST-MD5").Client(B64(payload)));
    }

    private static string Compute(string a2)
    {
        var inner = MD5.HashData(Encoding.ASCII.GetBytes("chris:elwood.innosoft.com:secret"));
        var a1 = inner.Concat(Encoding.ASCII.GetBytes(":OA6MG9tEQGm2hh:OA6MHXh6VqTrRk")).ToArray();
        var ha1 = Convert.ToHexStringLower(MD5.HashData(a1));
        var ha2 = Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes(a2)));
        return Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes($"{ha1}:OA6MG9tEQGm2hh:00000001:OA6MHXh6VqTrRk:auth:{ha2}")));
    }
}
