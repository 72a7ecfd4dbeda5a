using System.Security.Cryptography;
using System.Text;
using SmtpTap.Tests.Support;
using static SmtpTap.Tests.Auth.AuthTestText;

namespace SmtpTap.Tests.Auth;

public sealed class ScramDescriberTests
{
    private const string ClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private const string ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string FinalWithoutProof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";

    [Fact]
    public void ScramSha256_Rfc7677Exchange_ShowsPublicPartsMasksProofAndSignature()
    {
        var (proof, signature) = ComputeRfc7677("pencil");
        Assert.Equal("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", proof);
        Assert.Equal("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", signature);
        var d = Create("SCRAM-SHA-256");

        var lines = new[]
        {
            d.Client(B64(ClientFirst), initial: true),
            d.Server(B64(ServerFirst)),
            d.Client(B64($"{FinalWithoutProof},p={proof}")),
            d.Server(B64("v=" + signature)),
        };

        Assert.Equal("******** [client-first: gs2=n (no channel binding), authzid=, user=user, nonce=rOprNGfwEbeRWgbNEkqO]", lines[0]);
        Assert.Equal($"{B64(ServerFirst)} [server-first: nonce=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0, salt=W22ZaJ0SNY7soEsUEjb6gQ==, iterations=4096]", lines[1]);
        Assert.Equal("******** [client-final: channel binding=n (no channel binding), nonce=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0, p=********]", lines[2]);
        Assert.Equal("******** [server-final: v=********]", lines[3]);
        var all = string.Join('\n', lines);
        SecretCanary.AssertAbsent(proof, all);
        SecretCanary.AssertAbsent(Convert.FromBase64String(proof), all);
        SecretCanary.AssertAbsent(signature, all);
        SecretCanary.AssertAbsent(Convert.FromBase64String(signature), all);
        SecretCanary.AssertAbsent("pencil", all);
    }

    [Fact]
    public void Scram_ServerError_Shown()
    {
        var text = Create("SCRAM-SHA-1").Server(B64("e=invalid-proof"));

        Assert.Equal($"{B64("e=invalid-proof")} [server-final: e=invalid-proof — the client proof did not match: wrong password]", text);
    }

    [Fact]
    public void ScramPlus_ChannelBindingDataMasked()
    {
        var binding = RandomNumberGenerator.GetBytes(32);
        var cbind = B64([.. Encoding.ASCII.GetBytes("p=tls-exporter,,"), .. binding]);
        var d = Create("SCRAM-SHA-256-PLUS");

        var first = d.Client(B64("p=tls-exporter,a=admin,n=user,r=abc"), true);
        var final = d.Client(B64($"c={cbind},r=abcdef,p=AAAA"));

        Assert.Equal("******** [client-first: gs2=p=tls-exporter (channel binding required; it cannot survive TLS interception), authzid=admin, user=user, nonce=abc]", first);
        Assert.Equal("******** [client-final: channel binding=p=tls-exporter (channel binding required; it cannot survive TLS interception), binding data=********, nonce=abcdef, p=********]", final);
        SecretCanary.AssertAbsent(binding, final);
        Assert.DoesNotContain(cbind, final, StringComparison.Ordinal);
    }

    [Fact]
    public void Scram_DowngradeFlagY_Explained()
    {
        var text = Create("SCRAM-SHA-1").Client(B64("y,,n=user,r=abc"));

        Assert.Contains("gs2=y (client supports channel binding but thinks the server does not)", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("n=user,r=abc")]
    [InlineData("n,,user")]
    [InlineData("c=biws,r=abc,pproof")]
    public void Scram_Malformed_Masked(string payload)
    {
        Assert.Equal("******** [malformed SCRAM-SHA-256 response, masked]", Create("SCRAM-SHA-256").Client(B64(payload)));
    }

    private static (string Proof, string Signature) ComputeRfc7677(string password)
    {
        var salted = Rfc2898DeriveBytes.Pbkdf2(password, Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var authMessage = Encoding.ASCII.GetBytes($"{ClientFirst[3..]},{ServerFirst},{FinalWithoutProof}");
        var clientSignature = HMACSHA256.HashData(storedKey, authMessage);
        var proof = clientKey.Zip(clientSignature, (a, b) => (byte)(a ^ b)).ToArray();
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return (Convert.ToBase64String(proof), Convert.ToBase64String(HMACSHA256.HashData(serverKey, authMessage)));
    }
}
