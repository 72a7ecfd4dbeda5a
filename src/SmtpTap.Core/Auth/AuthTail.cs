namespace SmtpTap.Core.Auth;

/// <summary>
/// Remembers how many client bytes were already sent when an AUTH exchange ended (the server's final reply, or the
/// tap's own refusal). The lines made of those bytes were written before the client could know the exchange was
/// over, so they may be SASL responses even though they now arrive where a command is expected: the masking rules
/// treat them as secrets unless they are a known command. Pure: fed counts, no I/O.
/// </summary>
internal sealed class AuthTail
{
    private long _remaining;

    /// <summary>True while some lines still come from before the end of the last AUTH exchange.</summary>
    public bool Active => _remaining > 0;

    /// <summary>The exchange ended with <paramref name="bytesAlreadySent"/> client bytes already here (buffered or in the socket).</summary>
    public void ExchangeEnded(long bytesAlreadySent) => _remaining = Math.Max(_remaining, bytesAlreadySent);

    /// <summary>Consumes one line of <paramref name="length"/> octets; true if it was (at least partly) sent before the exchange ended.</summary>
    public bool Take(long length)
    {
        var inTail = _remaining > 0;
        _remaining = Math.Max(0, _remaining - length);
        return inTail;
    }
}
