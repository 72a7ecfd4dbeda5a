using SmtpTap.Core.Capture;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Web;

/// <summary>
/// With the built-in capture server as upstream, the message's bytes are the capture server's .eml: it records each
/// message before it answers "250 2.0.0 Ok: queued as ID", so by the time the tap relays that verdict the file is
/// known here. Keeps the last <c>capacity</c> files by id.
/// </summary>
internal sealed class CaptureFiles
{
    private readonly object _gate = new();
    private readonly Dictionary<long, string> _files = [];
    private readonly Queue<long> _order = new();
    private readonly int _capacity;

    public CaptureFiles(CaptureServer server, int capacity)
    {
        _capacity = capacity;
        server.MessageReceived += Add;
    }

    private void Add(CapturedMessage message)
    {
        if (message.FilePath is null)
        {
            return;
        }

        lock (_gate)
        {
            _files[message.Id] = message.FilePath;
            _order.Enqueue(message.Id);
            while (_order.Count > _capacity)
            {
                _files.Remove(_order.Dequeue());
            }
        }
    }

    /// <summary>The capture server's file for the message its verdict names, or null.</summary>
    public string? Locate(RelayedMessage message)
    {
        if (!CaptureReplies.TryGetQueuedId(message.Verdict.Code, message.Verdict.Lines.Count > 0 ? message.Verdict.Lines[0] : string.Empty, out var id))
        {
            return null;
        }

        lock (_gate)
        {
            return _files.GetValueOrDefault(id);
        }
    }
}
