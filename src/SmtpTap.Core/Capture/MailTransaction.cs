using System.Collections.Immutable;

namespace SmtpTap.Core.Capture;

/// <summary>An open mail transaction: MAIL FROM given, recipients collected, BDAT progress.</summary>
internal sealed record MailTransaction(string MailFrom, long? DeclaredSize, MessageBodyType Body, bool SmtpUtf8)
{
    public ImmutableArray<string> Recipients { get; init; } = [];

    /// <summary>True once a BDAT chunk was accepted (DATA is then refused in this transaction).</summary>
    public bool ChunkingStarted { get; init; }

    /// <summary>Bytes received so far in BDAT chunks.</summary>
    public long ChunkedBytes { get; init; }
}
