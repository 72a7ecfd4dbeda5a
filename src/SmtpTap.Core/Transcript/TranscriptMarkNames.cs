namespace SmtpTap.Core.Transcript;

/// <summary>The label of each <see cref="TranscriptMark"/> in the web API (null for <see cref="TranscriptMark.None"/>).</summary>
internal static class TranscriptMarkNames
{
    public static string? Of(TranscriptMark mark) => mark switch
    {
        TranscriptMark.TapSent => "tap-sent",
        TranscriptMark.CapabilityRemoved => "capability-removed",
        TranscriptMark.CapabilityAdded => "capability-added",
        TranscriptMark.CapabilityChanged => "capability-changed",
        TranscriptMark.CapabilityRewrite => "capability-rewrite",
        TranscriptMark.Certificate => "certificate",
        TranscriptMark.AuthChallenge => "auth-challenge",
        _ => null,
    };
}
