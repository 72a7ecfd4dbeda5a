namespace SmtpTap.Core.Protocol;

/// <summary>
/// Finds the end of DATA (CRLF "." CRLF, where the CRLF before DATA counts as the first) in a stream of
/// bytes fed in any chunking. Used to skip the rest of a message the tap refused to forward. The lenient
/// form also takes "LF . LF" (and mixes), for an LF-only client whose message the tap already refused: the
/// server is disconnected then, so reading a lenient end cannot make the tap and the server disagree.
/// </summary>
internal struct EndOfDataScanner
{
    private int _state; // 0 mid-line, 1 saw CR, 2 line start, 3 line start + ".", 4 ".\r"
    private bool _lenient;

    /// <summary>Starts at the beginning of a line (just after a CRLF).</summary>
    public static EndOfDataScanner AtLineStart(bool lenient = false) => new() { _state = 2, _lenient = lenient };

    /// <summary>Starts in the middle of a line.</summary>
    public static EndOfDataScanner MidLine(bool lenient = false) => new() { _state = 0, _lenient = lenient };

    /// <summary>Returns the number of bytes up to and including the terminating line end, or -1 if not in this chunk.</summary>
    public int Feed(ReadOnlySpan<byte> data)
    {
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            _state = (_state, b) switch
            {
                (4, (byte)'\n') => -1,
                (3, (byte)'\r') => 4,
                (3, (byte)'\n') when _lenient => -1,
                (2, (byte)'.') => 3,
                (1, (byte)'\n') => 2,
                (_, (byte)'\n') when _lenient => 2,
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
