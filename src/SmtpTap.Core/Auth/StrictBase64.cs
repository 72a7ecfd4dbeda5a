namespace SmtpTap.Core.Auth;

/// <summary>
/// Strict RFC 4648 base64 as RFC 4954 requires for SASL: standard alphabet only, length a multiple of 4,
/// padding only at the end, no whitespace, zero pad bits. A lone "=" (and an empty line) decodes to no bytes.
/// Unlike <see cref="Convert.FromBase64String(string)"/> it never skips whitespace, so it never shows a
/// value the server would not have seen.
/// </summary>
internal static class StrictBase64
{
    public static bool TryDecode(ReadOnlySpan<byte> text, out byte[] bytes)
    {
        bytes = [];
        if (!TryGetDecodedLength(text, out var length))
        {
            return false;
        }

        if (length == 0)
        {
            return true;
        }

        var result = new byte[length];
        if (!TryDecode(text, result, out _))
        {
            return false;
        }

        bytes = result;
        return true;
    }

    /// <summary>Validates <paramref name="text"/> and returns the number of bytes it decodes to.</summary>
    public static bool TryGetDecodedLength(ReadOnlySpan<byte> text, out int length)
    {
        length = 0;
        if (text.Length == 0 || (text.Length == 1 && text[0] == (byte)'='))
        {
            return true;
        }

        if (text.Length % 4 != 0)
        {
            return false;
        }

        var padding = text[^1] == (byte)'=' ? (text[^2] == (byte)'=' ? 2 : 1) : 0;
        for (var i = 0; i < text.Length - padding; i++)
        {
            if (Value(text[i]) < 0)
            {
                return false;
            }
        }

        if (padding > 0)
        {
            // Pad bits of the last significant character must be zero (canonical encoding).
            var last = Value(text[text.Length - padding - 1]);
            var mask = padding == 2 ? 0x0F : 0x03;
            if ((last & mask) != 0)
            {
                return false;
            }
        }

        length = (text.Length / 4 * 3) - padding;
        return true;
    }

    /// <summary>Decodes into <paramref name="destination"/>; the caller owns (and should clear) the buffer.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> text, Span<byte> destination, out int written)
    {
        written = 0;
        if (!TryGetDecodedLength(text, out var length) || destination.Length < length)
        {
            return false;
        }

        if (length == 0)
        {
            return true;
        }

        for (var i = 0; i < text.Length; i += 4)
        {
            var a = Value(text[i]);
            var b = Value(text[i + 1]);
            var c = text[i + 2] == (byte)'=' ? 0 : Value(text[i + 2]);
            var d = text[i + 3] == (byte)'=' ? 0 : Value(text[i + 3]);
            var quantum = (a << 18) | (b << 12) | (c << 6) | d;
            if (written < length)
            {
                destination[written++] = (byte)(quantum >> 16);
            }

            if (written < length)
            {
                destination[written++] = (byte)(quantum >> 8);
            }

            if (written < length)
            {
                destination[written++] = (byte)quantum;
            }
        }

        return true;
    }

    private static int Value(byte c) => c switch
    {
        >= (byte)'A' and <= (byte)'Z' => c - 'A',
        >= (byte)'a' and <= (byte)'z' => c - 'a' + 26,
        >= (byte)'0' and <= (byte)'9' => c - '0' + 52,
        (byte)'+' => 62,
        (byte)'/' => 63,
        _ => -1,
    };
}
