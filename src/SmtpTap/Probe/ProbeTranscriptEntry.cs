namespace SmtpTap.Probe;

/// <summary>One transcript line; the text is already masked.</summary>
internal sealed record ProbeTranscriptEntry(DateTimeOffset Time, ProbeDirection Direction, string Text)
{
    public string Label => Direction switch
    {
        ProbeDirection.ClientToServer => "client>server",
        ProbeDirection.ServerToClient => "server>client",
        _ => "probe",
    };
}
