namespace SmtpTap.Core.Transcript;

/// <summary>
/// Receives every transcript record of every session, in order per session, on the session's own thread:
/// it must be quick and must not throw (the relay waits for it). The Serilog output (console, files, JSON)
/// is one observer; the web UI's session store is another.
/// </summary>
internal interface ITranscriptObserver
{
    void OnRecord(TranscriptRecord record);
}
