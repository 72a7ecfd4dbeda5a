namespace SmtpTap.Core.Protocol;

/// <summary>
/// Skips the rest of an over-long line up to its line end (CRLF, or a bare LF, which the tap refuses or normalises
/// like any other line end, so an LF-only client is answered instead of waiting), in any chunking and in
/// constant memory. Counts what it skipped so the caller can give up after a discard limit.
/// </summary>
internal struct LineDiscarder
{
    private bool _sawCr;

    public long Discarded { get; private set; }

    /// <summary>Number of bytes of <paramref name="data"/> up to and including the CRLF, or -1 if the line goes on.</summary>
    public int Feed(ReadOnlySpan<byte> data)
    {
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            if (b == (byte)'\n')
            {
                _sawCr = false;
                Discarded += i + 1;
                return i + 1;
            }

            _sawCr = b == (byte)'\r';
        }

        Discarded += data.Length;
        return -1;
    }
}
