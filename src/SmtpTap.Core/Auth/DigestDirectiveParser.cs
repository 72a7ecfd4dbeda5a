namespace SmtpTap.Core.Auth;

/// <summary>
/// Parses the RFC 2831 directive list: <c>name=token</c> or <c>name="quoted\"string"</c>, separated by
/// commas with optional whitespace. Works on ranges only; nothing is copied.
/// </summary>
internal static class DigestDirectiveParser
{
    public const int MaxDirectives = 32;

    public static bool TryParse(ReadOnlySpan<byte> text, List<DigestDirective> directives)
    {
        var i = 0;
        while (true)
        {
            i = SkipSpaceAndCommas(text, i);
            if (i >= text.Length)
            {
                return directives.Count > 0;
            }

            if (directives.Count >= MaxDirectives)
            {
                return false;
            }

            var nameStart = i;
            while (i < text.Length && IsTokenChar(text[i]))
            {
                i++;
            }

            var nameEnd = i;
            i = SkipSpace(text, i);
            if (nameEnd == nameStart || i >= text.Length || text[i] != (byte)'=')
            {
                return false;
            }

            i = SkipSpace(text, i + 1);
            if (i < text.Length && text[i] == (byte)'"')
            {
                var valueStart = ++i;
                while (i < text.Length && text[i] != (byte)'"')
                {
                    i += text[i] == (byte)'\\' ? 2 : 1;
                }

                if (i >= text.Length)
                {
                    return false;
                }

                directives.Add(new DigestDirective(nameStart..nameEnd, valueStart..i, Quoted: true));
                i++;
            }
            else
            {
                var valueStart = i;
                while (i < text.Length && IsTokenChar(text[i]))
                {
                    i++;
                }

                directives.Add(new DigestDirective(nameStart..nameEnd, valueStart..i, Quoted: false));
            }

            i = SkipSpace(text, i);
            if (i < text.Length && text[i] != (byte)',')
            {
                return false;
            }
        }
    }

    private static int SkipSpace(ReadOnlySpan<byte> text, int i)
    {
        while (i < text.Length && text[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return i;
    }

    private static int SkipSpaceAndCommas(ReadOnlySpan<byte> text, int i)
    {
        while (i < text.Length && text[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)',')
        {
            i++;
        }

        return i;
    }

    private static bool IsTokenChar(byte b) =>
        b is > 0x20 and < 0x7F && b is not ((byte)'(' or (byte)')' or (byte)'<' or (byte)'>' or (byte)'@' or (byte)','
            or (byte)';' or (byte)':' or (byte)'\\' or (byte)'"' or (byte)'/' or (byte)'[' or (byte)']' or (byte)'?'
            or (byte)'=' or (byte)'{' or (byte)'}');
}
