namespace SmtpTap.Core.Protocol;

/// <summary>Characters inside a line's content that a lenient parser could read as a line end.</summary>
internal static class LineAnomaly
{
    /// <summary>True if the content (without the final CRLF) holds a bare CR, a bare LF or a NUL.</summary>
    public static bool HasBareCrLfOrNul(ReadOnlySpan<byte> content) => content.IndexOfAny((byte)'\r', (byte)'\n', (byte)0) >= 0;

    public static bool HasBareCrLfOrNul(in System.Buffers.ReadOnlySequence<byte> content)
    {
        foreach (var segment in content)
        {
            if (HasBareCrLfOrNul(segment.Span))
            {
                return true;
            }
        }

        return false;
    }
}
