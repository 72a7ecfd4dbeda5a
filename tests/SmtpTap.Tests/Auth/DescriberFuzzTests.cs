using System.Text;
using SmtpTap.Core.Auth;
using static SmtpTap.Tests.Auth.AuthTestText;

namespace SmtpTap.Tests.Auth;

/// <summary>Random and mutated inputs: no exception escapes and every description stays bounded.</summary>
public sealed class DescriberFuzzTests
{
    private const int Iterations = 3000;
    private const int MaxOutput = 4100;

    public static TheoryData<string, string> Seeds() => new()
    {
        { "PLAIN", B64("authz\0alice\0secret-pw") },
        { "LOGIN", B64("alice") },
        { "CRAM-MD5", B64("tim b913a602c7eda7a495b4e6e7334d3890") },
        { "XOAUTH2", B64("user=u@x\u0001auth=Bearer tok\u0001\u0001") },
        { "OAUTHBEARER", B64("n,a=u@x,\u0001host=h\u0001port=587\u0001auth=Bearer tok\u0001\u0001") },
        { "SCRAM-SHA-256", B64("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=") },
        { "DIGEST-MD5", B64("charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\",digest-uri=\"imap/elwood.innosoft.com\",response=d388dad90d4bbd760a152321f2143af7,qop=auth") },
        { "NTLM", B64(NtlmTestMessages.AuthenticateV2()) },
        { "NTLM", B64(NtlmTestMessages.Challenge) },
        { "GSSAPI", B64(new byte[64]) },
        { "EXTERNAL", B64("fred") },
        { "X-FOO", B64("whatever") },
    };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Describer_RandomAndMutatedInput_NoExceptionBoundedOutput(string mechanism, string validBase64)
    {
        var random = new Random(HashCode(mechanism + validBase64));
        var valid = Convert.FromBase64String(validBase64);
        for (var i = 0; i < Iterations; i++)
        {
            var payload = (i % 3) switch
            {
                0 => RandomBytes(random, random.Next(0, 400)),
                1 => Mutate(random, valid),
                _ => valid[..random.Next(0, valid.Length + 1)],
            };
            var line = i % 7 == 0 ? payload : Encoding.ASCII.GetBytes(Convert.ToBase64String(payload));
            var d = SaslDescriberFactory.Create(mechanism, new SaslMaskOptions { MaskUsernames = i % 2 == 0 });

            var client = d.DescribeClient(line, isInitialResponse: i % 5 == 0);
            var server = d.DescribeServer(line);

            Assert.InRange(client.Length, 1, MaxOutput);
            Assert.InRange(server.Length, 1, MaxOutput);
        }
    }

    [Fact]
    public void NtlmDecoder_RandomAndMutated_NeverThrows()
    {
        var random = new Random(42114);
        byte[][] seeds = [NtlmTestMessages.AuthenticateV2(), NtlmTestMessages.AuthenticateV1(), NtlmTestMessages.Challenge, Convert.FromBase64String("TlRMTVNTUAABAAAAB6IAAAAAAAAAAAAAAAAAAAAAAAA=")];
        for (var i = 0; i < 20000; i++)
        {
            var seed = seeds[i % seeds.Length];
            var message = i % 4 == 0 ? [.. "NTLMSSP\0"u8, .. RandomBytes(random, random.Next(0, 200))] : Mutate(random, seed);

            if (NtlmDecoder.TryDecode(message, out var decoded, out _))
            {
                Assert.InRange(decoded.MessageType, 1, 3);
            }
        }
    }

    [Fact]
    public void Describer_HugeLine_MaskedUnread()
    {
        var line = Encoding.ASCII.GetBytes(new string('A', SaslDescriber.MaxLineBytes + 4));

        Assert.Equal("******** [malformed PLAIN response, masked]", Create("PLAIN").DescribeClient(line, true));
        Assert.Equal("******** [PLAIN challenge too long to decode, masked]", Create("PLAIN").DescribeServer(line));
    }

    [Fact]
    public void Describer_LongFields_Capped()
    {
        var text = Create("PLAIN").Client(B64("\0" + new string('u', 10_000) + "\0pw"));

        Assert.InRange(text.Length, 1, 400);
        Assert.Contains('…', text);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] valid)
    {
        var bytes = (byte[])valid.Clone();
        var changes = random.Next(1, 6);
        for (var c = 0; c < changes && bytes.Length > 0; c++)
        {
            switch (random.Next(4))
            {
                case 0:
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes[random.Next(bytes.Length)] = (byte)(random.Next(2) == 0 ? 0xFF : 0x00);
                    break;
                case 2:
                    bytes = bytes[..random.Next(bytes.Length)];
                    break;
                default:
                    var at = random.Next(bytes.Length);
                    bytes = [.. bytes[..at], .. RandomBytes(random, random.Next(1, 8)), .. bytes[at..]];
                    break;
            }
        }

        return bytes;
    }

    private static int HashCode(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = unchecked((hash * 31) + c);
        }

        return hash;
    }
}
