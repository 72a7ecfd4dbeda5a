namespace SmtpTap.Core.Protocol;

/// <summary>
/// Finds the end of DATA (CRLF "." CRLF, where the CRLF before DATA counts as the first) in a stream of
/// bytes fed in any chunking. Used to skip the rest of a message the tap refused to forward.
/// </summary>
internal struct EndOfDataScanner
{
    private int _state; // 0 mid-line, 1 saw CR, 2 line start, 3 line start + ".", 4 ".\r"

    /// <summary>Starts at the beginning of a line (just after a CRLF).</summary>
    public static EndOfDataScanner AtLineStart() => new() { _state = 2 };

    /// <summary>Returns the number of bytes up to and including the terminating CRLF, or -1 if not in this chunk.</summary>
    public int Feed(ReadOnlySpan<byte> data)
    {
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            _state = (_state, b) switch
            {
                (4, (byte)'\n') => -1,
                (3, (byte)'\r') => 4,
                (2, (byte)'.') => 3,
                (1, (byte)'\n') => 2,
                (_, (byte)'\r') => 1,
                _ => 0,
            };
            if (_state == -1)
            {
                _state = 2;
                return i + 1;
            }
        }

        return -1;
    }
}
