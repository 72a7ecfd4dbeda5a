namespace SmtpTap.Core.Capture;

/// <summary>The BODY= parameter of MAIL FROM (RFC 6152, RFC 3030).</summary>
internal enum MessageBodyType
{
    SevenBit,
    EightBitMime,
    BinaryMime,
}
