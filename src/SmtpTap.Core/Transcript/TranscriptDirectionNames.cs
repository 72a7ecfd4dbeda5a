namespace SmtpTap.Core.Transcript;

/// <summary>The label each direction carries in every output (console, JSON Lines, files).</summary>
internal static class TranscriptDirectionNames
{
    public const string PropertyName = "Direction";

    public static string Of(TranscriptDirection direction) => direction switch
    {
        TranscriptDirection.ClientToTap => "client>tap",
        TranscriptDirection.TapToServer => "tap>server",
        TranscriptDirection.ServerToTap => "server>tap",
        TranscriptDirection.TapToClient => "tap>client",
        _ => "tap",
    };
}
