namespace SmtpTap.Core.Protocol;

/// <summary>Outcome of looking for one complete (possibly multi-line) reply in a buffer.</summary>
internal enum ReplyParseStatus
{
    NeedMoreData,
    Complete,
    Malformed,
}
