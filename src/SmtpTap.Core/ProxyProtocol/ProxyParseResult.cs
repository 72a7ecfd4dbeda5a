namespace SmtpTap.Core.ProxyProtocol;

internal enum ProxyParseStatus
{
    /// <summary>Everything so far fits a header; at least <see cref="ProxyParseResult.BytesNeeded"/> more bytes belong to it.</summary>
    NeedMore,

    Complete,

    /// <summary>Not a valid header of the expected version: the connection is refused.</summary>
    Invalid,
}

/// <summary>The parser's answer for the bytes seen so far.</summary>
internal readonly record struct ProxyParseResult(ProxyParseStatus Status, int BytesNeeded, ProxyHeader? Header, string? Error)
{
    public static ProxyParseResult NeedMore(int bytes) => new(ProxyParseStatus.NeedMore, bytes, null, null);

    public static ProxyParseResult Complete(ProxyHeader header) => new(ProxyParseStatus.Complete, 0, header, null);

    public static ProxyParseResult Invalid(string error) => new(ProxyParseStatus.Invalid, 0, null, error);
}
