using System.Buffers;

namespace SmtpTap.Core.Capture;

/// <summary>
/// Streaming decoder for DATA content (RFC 5321 §4.1.1.4, §4.5.2): ends only at CRLF "." CRLF (the CRLF of the
/// DATA command counts as the first CRLF), removes the leading dot of stuffed lines, and records bare CR, bare LF
/// and NUL. Works on runs between special bytes, not byte by byte.
/// </summary>
internal sealed class DotUnstuffer
{
    private static readonly SearchValues<byte> s_special = SearchValues.Create("\r\n\0"u8);

    private State _state = State.LineStart;

    private enum State
    {
        LineStart,
        InLine,
        SawCr,
        Dot,
        DotCr,
    }

    /// <summary>True once CRLF.CRLF was consumed.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>True if the content held a bare CR, a bare LF or a NUL (the message must be rejected).</summary>
    public bool HasInvalidContent { get; private set; }

    /// <summary>
    /// Decodes from <paramref name="input"/> into <paramref name="output"/> (which must hold input.Length + 1 bytes)
    /// until the input ends or the terminator is consumed. Returns the bytes consumed and written.
    /// </summary>
    public (int Consumed, int Written) Decode(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (output.Length < input.Length + 1)
        {
            throw new ArgumentException("The output must be at least one byte longer than the input.", nameof(output));
        }

        var i = 0;
        var w = 0;
        while (i < input.Length && !IsComplete)
        {
            var b = input[i];
            switch (_state)
            {
                case State.InLine:
                    var rest = input[i..];
                    var index = rest.IndexOfAny(s_special);
                    if (index < 0)
                    {
                        rest.CopyTo(output[w..]);
                        w += rest.Length;
                        i += rest.Length;
                        break;
                    }

                    rest[..(index + 1)].CopyTo(output[w..]);
                    w += index + 1;
                    i += index + 1;
                    if (rest[index] == (byte)'\r')
                    {
                        _state = State.SawCr;
                    }
                    else
                    {
                        HasInvalidContent = true;
                    }

                    break;
                case State.SawCr:
                    if (b == (byte)'\n')
                    {
                        output[w++] = b;
                        i++;
                        _state = State.LineStart;
                    }
                    else
                    {
                        HasInvalidContent = true;
                        _state = State.InLine;
                    }

                    break;
                case State.LineStart:
                    if (b == (byte)'.')
                    {
                        i++;
                        _state = State.Dot;
                    }
                    else
                    {
                        _state = State.InLine;
                    }

                    break;
                case State.Dot:
                    if (b == (byte)'\r')
                    {
                        i++;
                        _state = State.DotCr;
                    }
                    else
                    {
                        _state = State.InLine;
                    }

                    break;
                case State.DotCr:
                    if (b == (byte)'\n')
                    {
                        i++;
                        IsComplete = true;
                    }
                    else
                    {
                        output[w++] = (byte)'\r';
                        HasInvalidContent = true;
                        _state = State.InLine;
                    }

                    break;
            }
        }

        return (i, w);
    }
}
