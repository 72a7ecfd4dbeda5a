using System.Security.Cryptography;
using System.Text;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Auth;

/// <summary>A line the tap sends upstream in its own AUTH exchange: the wire bytes (secret) and what the transcript shows.</summary>
internal sealed class UpstreamAuthLine(byte[] wire, string shown)
{
    /// <summary>The line with its CRLF. Holds credentials: the sender zeroes it after writing.</summary>
    public byte[] Wire { get; } = wire;

    /// <summary>The masked text for the <c>tap&gt;server</c> transcript line.</summary>
    public string Shown { get; } = shown;

    public override string ToString() => Shown;
}

/// <summary>
/// The client side of the AUTH exchange the tap runs upstream on its own (the OAuth2 bridge, mechanism translation
/// with a stored password, <c>--inject-auth</c>), without sockets: <see cref="Start"/> gives the AUTH command, and
/// <see cref="Answer"/> gives the tap's reply to each 334 of the server, or null when there is nothing left to say
/// (the exchange is stuck: the caller gives up). Any reply but 334 ends the exchange and is the server's verdict.
/// PLAIN and the OAuth2 mechanisms send an initial response; LOGIN answers the user and password prompts; CRAM-MD5
/// answers the challenge with <c>user hex(HMAC-MD5(password, challenge))</c> (RFC 2195). A 334 after an OAuth2
/// initial response is the server's error report (RFC 7628): the tap ends it (an empty line for XOAUTH2, <c>%x01</c>
/// for OAUTHBEARER); any 334 nothing sensible answers is cancelled with <c>*</c>.
/// </summary>
internal sealed class UpstreamAuthDialog
{
    private const string P = SaslMask.Placeholder;
    private readonly BridgeDecision _decision;
    private readonly SaslMaskOptions _mask;
    private int _challenges;
    private bool _cancelled;

    public UpstreamAuthDialog(BridgeDecision decision, SaslMaskOptions mask)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.Outcome != BridgeOutcome.Bridged || decision.Mechanism is null)
        {
            throw new ArgumentException("only a bridged decision has an upstream exchange", nameof(decision));
        }

        _decision = decision;
        _mask = mask ?? SaslMaskOptions.Default;
    }

    /// <summary>The mechanisms the tap can run upstream, with what they need.</summary>
    public static IReadOnlyList<string> PasswordMechanisms { get; } = ["PLAIN", "LOGIN", "CRAM-MD5"];

    public string Mechanism => _decision.Mechanism!;

    /// <summary>True once the tap sent <c>*</c>: a further 334 means the server will not end the exchange.</summary>
    public bool Cancelled => _cancelled;

    public UpstreamAuthLine Start()
    {
        switch (Mechanism)
        {
            case "PLAIN":
                return Line("AUTH PLAIN " + Base64("\0" + User + "\0" + Password), "AUTH PLAIN " + P);
            case "LOGIN":
            case "CRAM-MD5":
                return Line("AUTH " + Mechanism, "AUTH " + Mechanism);
            default:
                return Line("AUTH " + Mechanism + " " + _decision.InitialResponseBase64, "AUTH " + Mechanism + " " + P);
        }
    }

    /// <summary>The tap's answer to a 334 of the server; null when the exchange is stuck (the tap already cancelled it).</summary>
    public UpstreamAuthLine? Answer(SmtpReply challenge)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        if (challenge.Code != 334)
        {
            throw new ArgumentException("only a 334 is answered", nameof(challenge));
        }

        if (_cancelled)
        {
            return null;
        }

        var step = _challenges++;
        return (Mechanism, step) switch
        {
            ("LOGIN", 0) => Line(Base64(User), P + " [user=" + SaslText.Identity(User, _mask) + "]"),
            ("LOGIN", 1) => Line(Base64(Password), P + " [password]"),
            ("CRAM-MD5", 0) when CramMd5(challenge.FirstLine) is { } response => Line(response, P + " [user=" + SaslText.Identity(User, _mask) + ", digest]"),
            ("XOAUTH2", 0) => Line(string.Empty, "(empty line) [the tap ends the refused XOAUTH2 exchange]"),
            ("OAUTHBEARER", 0) => Line("AQ==", "AQ== [%x01] [the tap ends the refused OAUTHBEARER exchange]"),
            _ => Cancel(),
        };
    }

    private string User => _decision.UpstreamUser ?? string.Empty;

    private string Password => _decision.Password ?? string.Empty;

    private UpstreamAuthLine Cancel()
    {
        _cancelled = true;
        return Line("*", "* [the tap cancels the exchange]");
    }

    /// <summary><c>base64(user SP hex(HMAC-MD5(password, challenge)))</c>; null when the challenge is not base64.</summary>
    private string? CramMd5(string challengeBase64)
    {
        if (!StrictBase64.TryDecode(Encoding.ASCII.GetBytes(challengeBase64.Trim()), out var challenge) || challenge.Length == 0)
        {
            return null;
        }

        var key = Encoding.UTF8.GetBytes(Password);
        try
        {
#pragma warning disable CA5351 // CRAM-MD5 is defined on HMAC-MD5; the tap must speak it to a server that offers only it.
            var digest = HMACMD5.HashData(key, challenge);
#pragma warning restore CA5351
            return Base64(User + " " + Convert.ToHexStringLower(digest));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static UpstreamAuthLine Line(string text, string shown) => new(Encoding.UTF8.GetBytes(text + "\r\n"), shown);

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
