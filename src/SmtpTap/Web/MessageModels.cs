namespace SmtpTap.Web;

/// <summary>GET /api/messages/{id}: one relayed message as the message page shows it.</summary>
internal sealed record MessageDetail(
    string Id,
    string SessionId,
    int Number,
    DateTimeOffset Time,
    MessageEnvelopeView Envelope,
    bool Stored,
    string? NotStoredReason,
    long Size,
    string? Subject,
    IReadOnlyList<HeaderView> Headers,
    MimeNode? Mime,
    string? Text,
    bool TextCut,
    string? HtmlUrl,
    IReadOnlyList<AttachmentView> Attachments,
    MessageFacts? Facts,
    string? RawUrl);

/// <summary>MAIL FROM, every RCPT with the server's reply, and the server's verdict on the end of data.</summary>
internal sealed record MessageEnvelopeView(EnvelopeStepView? MailFrom, IReadOnlyList<EnvelopeStepView> Recipients, ReplyView Verdict, bool Chunked);

/// <summary>An envelope command as the transcript shows it, its address, and the server's reply (null if none came).</summary>
internal sealed record EnvelopeStepView(string Command, string Address, ReplyView? Reply);

internal sealed record ReplyView(int Code, string Text, bool Accepted);

/// <summary>A header with its value decoded (RFC 2047) and unfolded; control and bidi characters shown as \u{NNNN}.</summary>
internal sealed record HeaderView(string Name, string Value);

/// <summary>One entity of the MIME tree; <see cref="PartId"/> is its path ("1", "1.2", "1.2.1") for /parts/{partId}.</summary>
internal sealed record MimeNode(
    string PartId,
    string ContentType,
    string? Charset,
    string? TransferEncoding,
    long? Size,
    string? FileName,
    string? Disposition,
    IReadOnlyList<MimeNode> Children);

/// <summary>An attachment (or any non-text leaf part) with its decoded size and where to download it.</summary>
internal sealed record AttachmentView(string PartId, string? FileName, string ContentType, long Size, string Url);

/// <summary>
/// What the raw bytes say about the message: line endings that are not CRLF, lines over the 1000-octet limit of RFC 5321
/// (998 plus CRLF), NUL octets, and octets over 127 in the header (needs SMTPUTF8) or in the body (needs 8BITMIME).
/// </summary>
internal sealed record MessageFacts(long BareLf, long BareCr, long LongLines, long LongestLine, long Nul, bool NonAsciiHeaders, bool EightBitBody);

/// <summary>One row of GET /api/sessions/{id}/messages.</summary>
internal sealed record MessageListItem(string Id, int Number, string? From, IReadOnlyList<string> Recipients, ReplyView Verdict, string? Subject, long? Size, bool Stored);

/// <summary>GET /api/sessions/{id}/messages.</summary>
internal sealed record SessionMessageList(string SessionId, IReadOnlyList<MessageListItem> Messages);
