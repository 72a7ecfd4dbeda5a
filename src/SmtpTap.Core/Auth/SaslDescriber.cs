using System.Buffers;
using System.Security.Cryptography;

namespace SmtpTap.Core.Auth;

/// <summary>
/// Shared frame for the describers: cancel and empty lines, strict base64, size caps, and a last-resort
/// catch so that no exception (and so no payload text) ever leaves a describer. Decoded payloads live in
/// a pooled buffer that is cleared before it is returned.
/// </summary>
internal abstract class SaslDescriber : ISaslDescriber
{
    /// <summary>Longest line that is decoded at all; longer lines are masked unread.</summary>
    public const int MaxLineBytes = 64 * 1024;

    /// <summary>Upper bound on the length of any description.</summary>
    public const int MaxOutputChars = 4096;

    protected const string P = SaslMask.Placeholder;

    protected SaslDescriber(string mechanism, SaslMaskOptions options)
    {
        Mechanism = mechanism;
        Options = options;
    }

    public string Mechanism { get; }

    protected SaslMaskOptions Options { get; }

    /// <summary>Zero-based position of the client payload being described (the initial response counts).</summary>
    protected int ClientIndex { get; private set; } = -1;

    public string DescribeClient(ReadOnlySpan<byte> line, bool isInitialResponse)
    {
        ClientIndex++;
        try
        {
            return Bound(DescribeClientLine(line, isInitialResponse));
        }
        catch (Exception)
        {
            return $"{P} [{Mechanism} response could not be described, masked]";
        }
    }

    public string DescribeServer(ReadOnlySpan<byte> challenge)
    {
        try
        {
            return Bound(DescribeServerLine(challenge));
        }
        catch (Exception)
        {
            return $"{P} [{Mechanism} challenge could not be described, masked]";
        }
    }

    protected virtual string DescribeClientLine(ReadOnlySpan<byte> line, bool isInitialResponse)
    {
        if (SaslText.Is(line, "*"))
        {
            return "* [client cancelled authentication]";
        }

        if (line.Length == 0 || SaslText.Is(line, "="))
        {
            return DescribeEmptyClient(line.Length == 1);
        }

        if (line.Length > MaxLineBytes || !StrictBase64.TryGetDecodedLength(line, out var length))
        {
            return MalformedClient();
        }

        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            return StrictBase64.TryDecode(line, buffer, out var written)
                ? DescribeClientPayload(buffer.AsSpan(0, written), isInitialResponse)
                : MalformedClient();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected virtual string DescribeServerLine(ReadOnlySpan<byte> text)
    {
        if (text.Length == 0)
        {
            return "[empty challenge]";
        }

        if (text.Length > MaxLineBytes)
        {
            return $"{P} [{Mechanism} challenge too long to decode, masked]";
        }

        if (!StrictBase64.TryGetDecodedLength(text, out var length))
        {
            return DescribeNonBase64Server(text);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            return StrictBase64.TryDecode(text, buffer, out var written)
                ? DescribeServerPayload(text, buffer.AsSpan(0, written))
                : DescribeNonBase64Server(text);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Describes a decoded client payload (never empty).</summary>
    protected abstract string DescribeClientPayload(ReadOnlySpan<byte> payload, bool isInitialResponse);

    /// <summary>
    /// Describes a decoded challenge. <paramref name="raw"/> is the validated base64 text; echo it only when
    /// the challenge holds no secret (and no identity if user names are masked).
    /// </summary>
    protected virtual string DescribeServerPayload(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> payload) =>
        payload.Length == 0 ? $"{SaslText.Echo(raw)} [empty]" : $"{SaslText.Echo(raw)} [{SaslText.Field(payload)}]";

    /// <summary>A challenge that is not base64 (e.g. "NTLM supported"): shown with base64-looking words masked.</summary>
    protected virtual string DescribeNonBase64Server(ReadOnlySpan<byte> text) =>
        $"{SaslText.Scrubbed(text)} [plain text, not base64]";

    /// <summary>An empty line (<paramref name="isEquals"/> false) or "=".</summary>
    protected virtual string DescribeEmptyClient(bool isEquals) => isEquals ? "= [empty]" : "(empty line)";

    protected virtual string MalformedClient() => $"{P} [malformed {Mechanism} response, masked]";

    /// <summary>Raw base64 echo, or the placeholder when it would show an identity that must be masked.</summary>
    protected string EchoUnlessIdentityMasked(ReadOnlySpan<byte> raw) =>
        Options.MaskUsernames ? P : SaslText.Echo(raw);

    protected string Identity(ReadOnlySpan<byte> utf8) => SaslText.Identity(utf8, Options);

    private static string Bound(string text) =>
        text.Length <= MaxOutputChars ? text : string.Concat(text.AsSpan(0, MaxOutputChars), "…]");
}
