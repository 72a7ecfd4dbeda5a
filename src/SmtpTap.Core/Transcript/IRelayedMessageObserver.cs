namespace SmtpTap.Core.Transcript;

/// <summary>
/// A transcript observer that also hears of each relayed message once the server gave its verdict (the web UI's
/// message store). Called on a session's own thread: it must be quick and must not throw.
/// </summary>
internal interface IRelayedMessageObserver
{
    void OnMessage(RelayedMessage message);
}
