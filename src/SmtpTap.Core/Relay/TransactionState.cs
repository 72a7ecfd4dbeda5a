namespace SmtpTap.Core.Relay;

/// <summary>
/// What the client pump must remember about the current mail transaction to enforce RFC 3030 order:
/// BDAT chunks so far, their octets, and whether BDAT LAST was sent. Reset by MAIL, RSET, EHLO and HELO.
/// </summary>
internal sealed class TransactionState
{
    public long BdatOctets { get; private set; }

    /// <summary>BDAT chunks sent in this transaction (the one being relayed included).</summary>
    public int BdatChunks { get; private set; }

    /// <summary>A BDAT chunk was sent and LAST not yet: DATA may not follow (RFC 3030 section 3).</summary>
    public bool BdatOpen { get; private set; }

    /// <summary>BDAT LAST was sent: another BDAT needs a new MAIL.</summary>
    public bool BdatLastSent { get; private set; }

    public void Chunk(long size, bool last)
    {
        BdatOctets += size;
        BdatChunks++;
        BdatOpen = !last;
        BdatLastSent = last;
    }

    public void Reset()
    {
        BdatOctets = 0;
        BdatChunks = 0;
        BdatOpen = false;
        BdatLastSent = false;
    }
}
