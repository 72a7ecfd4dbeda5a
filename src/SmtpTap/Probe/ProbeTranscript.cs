using SmtpTap.Core.Protocol;

namespace SmtpTap.Probe;

/// <summary>
/// Collects the probe's transcript. Every line passes the <see cref="SecretScrubber"/>; an optional
/// listener sees each line as it is added (the text output streams, the JSON output waits).
/// </summary>
internal sealed class ProbeTranscript(TimeProvider time, Action<ProbeTranscriptEntry>? listener = null)
{
    private readonly List<ProbeTranscriptEntry> _entries = [];

    public SecretScrubber Scrubber { get; } = new();

    public IReadOnlyList<ProbeTranscriptEntry> Entries => _entries;

    public void Client(string text) => Add(ProbeDirection.ClientToServer, text);

    public void Event(string text) => Add(ProbeDirection.Event, text);

    public void Server(SmtpReply reply)
    {
        foreach (var line in ReplyText.Lines(reply))
        {
            Add(ProbeDirection.ServerToClient, line);
        }
    }

    public void Server(string line) => Add(ProbeDirection.ServerToClient, line);

    private void Add(ProbeDirection direction, string text)
    {
        var entry = new ProbeTranscriptEntry(time.GetUtcNow(), direction, Scrubber.Scrub(text));
        _entries.Add(entry);
        listener?.Invoke(entry);
    }
}
