namespace SmtpTap.Core.Transcript;

/// <summary>
/// One message the server gave its verdict on, as the observers see it: its envelope as the transcript shows it
/// (already masked), each envelope command with the server's reply, the end-of-data verdict, and where the tap's
/// copy of its bytes is (--capture-dir with a real upstream; null when the tap keeps none).
/// </summary>
/// <param name="SessionId">The session's id.</param>
/// <param name="Number">The message's number within its session (1, 2, ...), as in "Message 1 stored as ...".</param>
/// <param name="Timestamp">When the verdict (or the stored copy, whichever came last) was known.</param>
/// <param name="MailFrom">The MAIL command of its transaction, or null if the tap saw none (the server took one from before).</param>
/// <param name="Recipients">Every RCPT of its transaction, refused ones included, in order.</param>
/// <param name="Verdict">The server's reply to the end of data (DATA's dot or BDAT LAST).</param>
/// <param name="Chunked">Sent with BDAT (RFC 3030) rather than DATA.</param>
/// <param name="FilePath">The tap's .eml copy (unstuffed), or null.</param>
/// <param name="Size">The message's size in octets as RFC 1870 counts it (dot-stuffing removed; BDAT: the chunks' sum), or null if unknown.</param>
internal sealed record RelayedMessage(
    string SessionId,
    int Number,
    DateTimeOffset Timestamp,
    EnvelopeCommand? MailFrom,
    IReadOnlyList<EnvelopeCommand> Recipients,
    ShownReply Verdict,
    bool Chunked,
    string? FilePath,
    long? Size = null);

/// <summary>An envelope command (MAIL or RCPT) as the transcript shows it, its address, and the server's reply (null if none came).</summary>
internal sealed record EnvelopeCommand(string Command, string Address, ShownReply? Reply);

/// <summary>A server reply as the transcript shows it: its code and its lines without code (masked like the transcript).</summary>
internal sealed record ShownReply(int Code, IReadOnlyList<string> Lines)
{
    public bool Accepted => Code is >= 200 and < 300;

    /// <summary>"250 2.1.5 Ok" (lines after the first joined with a space).</summary>
    public string Text => Code.ToString("D3", System.Globalization.CultureInfo.InvariantCulture) + " " + string.Join(" ", Lines);
}
