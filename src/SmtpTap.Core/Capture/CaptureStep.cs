using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Capture;

/// <summary>Result of processing one line: the reply (null when it comes after a BDAT chunk), the next state and the I/O action.</summary>
internal sealed record CaptureStep(SmtpReply? Reply, CaptureSessionState State, CaptureAction Action = CaptureAction.None)
{
    public long ChunkSize { get; init; }

    public bool LastChunk { get; init; }
}
