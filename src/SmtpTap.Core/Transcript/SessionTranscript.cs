using Serilog;

namespace SmtpTap.Core.Transcript;

/// <summary>
/// The transcript of one session, written as Serilog events with the properties SessionId and Direction.
/// Only text that has already been through the AUTH masking reaches it: callers pass masked lines for
/// anything inside an AUTH exchange.
/// </summary>
internal sealed class SessionTranscript
{
    private readonly ILogger _clientToTap;
    private readonly ILogger _tapToServer;
    private readonly ILogger _serverToTap;
    private readonly ILogger _tapToClient;
    private readonly ILogger _event;

    public SessionTranscript(ILogger logger, string sessionId)
    {
        SessionId = sessionId;
        var session = logger.ForContext("SessionId", sessionId);
        _clientToTap = For(session, TranscriptDirection.ClientToTap);
        _tapToServer = For(session, TranscriptDirection.TapToServer);
        _serverToTap = For(session, TranscriptDirection.ServerToTap);
        _tapToClient = For(session, TranscriptDirection.TapToClient);
        _event = For(session, TranscriptDirection.Event);
    }

    public string SessionId { get; }

    /// <summary>The tap-event logger, for events with their own message templates.</summary>
    public ILogger Events => _event;

    public void Line(TranscriptDirection direction, string text) => Logger(direction).Information("{Line:l}", text);

    public void Lines(TranscriptDirection direction, Protocol.SmtpReply reply)
    {
        var log = Logger(direction);
        var code = reply.Code.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < reply.Lines.Count; i++)
        {
            var separator = i == reply.Lines.Count - 1 ? " " : "-";
            log.Information("{Line:l}", code + separator + reply.Lines[i]);
        }
    }

    public void Warning(string text) => _event.Warning("WARNING: {Line:l}", text);

    private ILogger Logger(TranscriptDirection direction) => direction switch
    {
        TranscriptDirection.ClientToTap => _clientToTap,
        TranscriptDirection.TapToServer => _tapToServer,
        TranscriptDirection.ServerToTap => _serverToTap,
        TranscriptDirection.TapToClient => _tapToClient,
        _ => _event,
    };

    private static ILogger For(ILogger session, TranscriptDirection direction) =>
        session.ForContext(TranscriptDirectionNames.PropertyName, TranscriptDirectionNames.Of(direction));
}
