using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SmtpTap.Core.Capture;

/// <summary>SASL CRAM-MD5 (RFC 2195): the server sends "&lt;random.timestamp@host&gt;", the client answers "user hex(HMAC-MD5(password, challenge))".</summary>
internal sealed record CramMd5Exchange(string Challenge) : SaslExchange
{
    public static SaslStep Begin(byte[]? initialResponse, SaslContext context)
    {
        if (initialResponse is not null)
        {
            return SaslStep.Failure();
        }

        Span<byte> random = stackalloc byte[8];
        context.FillRandom(random);
        var stamp = context.TimeProvider.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var challenge = "<" + Convert.ToHexStringLower(random) + "." + stamp + "@" + context.HostName + ">";
        return SaslStep.Continue(CaptureReplies.Challenge(Encoding.ASCII.GetBytes(challenge)), new CramMd5Exchange(challenge));
    }

    public override SaslStep Respond(byte[] response, SaslContext context)
    {
        var text = Encoding.UTF8.GetString(response);
        var space = text.LastIndexOf(' ');
        if (space <= 0 || text.Length - space - 1 != 32)
        {
            return SaslStep.Failure();
        }

        var user = text[..space];
        if (context.AcceptsAnyone)
        {
            return SaslStep.Success(user);
        }

        var secret = context.GetSecret(user);
        if (secret is null)
        {
            return SaslStep.Failure();
        }

        var expected = HMACMD5.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(Challenge));
        var presented = Encoding.ASCII.GetBytes(text[(space + 1)..].ToLowerInvariant());
        var expectedHex = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(expected));
        return CryptographicOperations.FixedTimeEquals(expectedHex, presented) ? SaslStep.Success(user) : SaslStep.Failure();
    }
}
