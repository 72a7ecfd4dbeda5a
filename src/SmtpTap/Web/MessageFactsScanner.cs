namespace SmtpTap.Web;

/// <summary>
/// Reads a message's raw bytes once, in any chunks, and counts what the message page flags: bare LF, bare CR, lines over
/// 1000 octets with their CRLF, NUL, and octets over 127 in the header section or in the body. Pure: no I/O.
/// </summary>
internal sealed class MessageFactsScanner
{
    /// <summary>RFC 5321 section 4.5.3.1.6: 998 octets plus CRLF.</summary>
    public const int MaxLineOctets = 998;

    private long _bareLf;
    private long _bareCr;
    private long _longLines;
    private long _longest;
    private long _nul;
    private long _line;
    private bool _pendingCr;
    private bool _inHeaders = true;
    private bool _nonAsciiHeaders;
    private bool _eightBitBody;

    public void Feed(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (_pendingCr && b != (byte)'\n')
            {
                _bareCr++;
                _line++;
            }

            if (b == (byte)'\n')
            {
                if (!_pendingCr)
                {
                    _bareLf++;
                }

                EndLine();
                _pendingCr = false;
                continue;
            }

            _pendingCr = b == (byte)'\r';
            if (_pendingCr)
            {
                continue;
            }

            _line++;
            if (b == 0)
            {
                _nul++;
            }
            else if (b > 127)
            {
                if (_inHeaders)
                {
                    _nonAsciiHeaders = true;
                }
                else
                {
                    _eightBitBody = true;
                }
            }
        }
    }

    public MessageFacts Finish()
    {
        if (_pendingCr)
        {
            _bareCr++;
            _pendingCr = false;
        }

        if (_line > 0)
        {
            EndLine();
        }

        return new MessageFacts(_bareLf, _bareCr, _longLines, _longest, _nul, _nonAsciiHeaders, _eightBitBody);
    }

    private void EndLine()
    {
        if (_line > MaxLineOctets)
        {
            _longLines++;
        }

        _longest = Math.Max(_longest, _line);
        if (_line == 0)
        {
            _inHeaders = false;
        }

        _line = 0;
    }
}
