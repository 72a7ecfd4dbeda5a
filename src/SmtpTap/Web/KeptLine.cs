using SmtpTap.Core.Transcript;

namespace SmtpTap.Web;

/// <summary>
/// One kept timeline line as the store holds it: a value in its session's timeline arrays, not an object of its own,
/// so the lines a busy session keeps and later overwrites leave the collector only their texts to trace and promote.
/// A <see cref="TimelineLine"/> is built from it when the API or a session's stream reads it.
/// </summary>
internal readonly record struct KeptLine(
    long Seq,
    DateTimeOffset Time,
    TranscriptDirection Direction,
    bool Warning,
    string Text,
    TranscriptMark Mark,
    string? Explanation)
{
    public TimelineLine ToTimelineLine() =>
        new(Seq, Time, TranscriptDirectionNames.Of(Direction), Warning, Text, TranscriptMarkNames.Of(Mark), Explanation);
}
