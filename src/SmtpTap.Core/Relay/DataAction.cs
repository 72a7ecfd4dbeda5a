namespace SmtpTap.Core.Relay;

/// <summary>What the relay does with one framed piece of message content.</summary>
internal enum DataAction
{
    /// <summary>Relay the bytes as received.</summary>
    Forward,

    /// <summary>Relay the content followed by CRLF instead of its bare LF (--line-endings fix).</summary>
    ForwardNormalised,

    /// <summary>The end of data: relay it (normalised if it ended in a bare LF) and wait for the server's verdict.</summary>
    EndOfData,

    /// <summary>Refuse the message: the server never gets an end of data.</summary>
    Refuse,
}
