using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Serilog;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Capture;

/// <summary>
/// The async pump of one capture-server session: reads lines, asks the pure <see cref="CaptureCommandProcessor"/>
/// what to answer, and performs the I/O it asks for (TLS upgrade, DATA, BDAT). Never throws.
/// </summary>
internal sealed class CaptureSession
{
    private static readonly TimeSpan s_finalReplyTimeout = TimeSpan.FromSeconds(2);

    private readonly long _sessionId;
    private readonly Socket _socket;
    private readonly CaptureServerOptions _options;
    private readonly CaptureCommandProcessor _processor;
    private readonly CaptureMessageLog _messages;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public CaptureSession(long sessionId, Socket socket, CaptureServerOptions options, CaptureCommandProcessor processor, CaptureMessageLog messages, TimeProvider timeProvider, ILogger logger)
    {
        _sessionId = sessionId;
        _socket = socket;
        _options = options;
        _processor = processor;
        _messages = messages;
        _timeProvider = timeProvider;
        _logger = logger.ForContext("SessionId", sessionId);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var remote = _socket.RemoteEndPoint as IPEndPoint;
        _logger.Debug("Capture session {CaptureSession} from {RemoteEndPoint:l} started", _sessionId, remote);
        var connection = new CaptureConnection(_socket, _options.IdleTimeout, cancellationToken);
        CaptureMessageWriter? chunked = null;
        try
        {
            var state = CaptureSessionState.Initial(isTls: _options.ImplicitTls);
            if (_options.ImplicitTls)
            {
                await connection.UpgradeToTlsAsync(_options.Certificates!).ConfigureAwait(false);
                _logger.Debug("Session {CaptureSession} negotiated {TlsProtocol:l} (implicit TLS)", _sessionId, connection.TlsProtocol);
            }

            connection.QueueReply(_processor.Greeting);
            while (true)
            {
                var read = await connection.ReadLineAsync(state.PendingAuth is not null).ConfigureAwait(false);
                if (read.Status == CommandLineStatus.EndOfInput)
                {
                    _logger.Debug("Session {CaptureSession} from {RemoteEndPoint:l}: client closed the connection", _sessionId, remote);
                    return;
                }

                if (read.Status != CommandLineStatus.Line)
                {
                    connection.QueueReply(read.Status switch
                    {
                        CommandLineStatus.TooLong => CaptureReplies.LineTooLong,
                        CommandLineStatus.InvalidUtf8 => CaptureReplies.InvalidUtf8,
                        _ => CaptureReplies.BareLineEnding,
                    });
                    state = state with { PendingAuth = null };
                    continue;
                }

                var step = _processor.Process(state, read.Text!);
                state = step.State;
                if (step.Reply is not null)
                {
                    connection.QueueReply(step.Reply);
                }

                switch (step.Action)
                {
                    case CaptureAction.Close:
                        await connection.FlushAsync().ConfigureAwait(false);
                        _logger.Debug("Session {CaptureSession} from {RemoteEndPoint:l} ended with QUIT", _sessionId, remote);
                        return;
                    case CaptureAction.StartTls:
                        var discarded = await connection.UpgradeToTlsAsync(_options.Certificates!).ConfigureAwait(false);
                        if (discarded > 0)
                        {
                            _logger.Warning("Session {CaptureSession}: dropped {DiscardedBytes} plaintext bytes sent after STARTTLS", _sessionId, discarded);
                        }

                        _logger.Debug("Session {CaptureSession} negotiated {TlsProtocol:l} (STARTTLS)", _sessionId, connection.TlsProtocol);
                        break;
                    case CaptureAction.ReceiveData:
                        if (!await ReceiveDataAsync(connection, state, cancellationToken).ConfigureAwait(false))
                        {
                            return;
                        }

                        state = CaptureCommandProcessor.EndTransaction(state);
                        break;
                    case CaptureAction.ReceiveChunk:
                        chunked ??= new CaptureMessageWriter(_options.CaptureDirectory, _options.KeepInMemory, _logger);
                        if (!await connection.ReceiveChunkAsync(step.ChunkSize, chunked).ConfigureAwait(false))
                        {
                            return;
                        }

                        if (!step.LastChunk)
                        {
                            connection.QueueReply(CaptureReplies.ChunkReceived(step.ChunkSize));
                            break;
                        }

                        connection.QueueReply(await AcceptAsync(state, chunked, cancellationToken).ConfigureAwait(false));
                        state = CaptureCommandProcessor.EndTransaction(state);
                        break;
                    case CaptureAction.DiscardChunk:
                        if (!await connection.ReceiveChunkAsync(step.ChunkSize, null).ConfigureAwait(false))
                        {
                            return;
                        }

                        break;
                }

                if (chunked is not null && state.Transaction?.ChunkingStarted != true)
                {
                    await chunked.DisposeAsync().ConfigureAwait(false);
                    chunked = null;
                }
            }
        }
        catch (OperationCanceledException) when (connection.IdleTimedOut)
        {
            _logger.Information("Session {CaptureSession} from {RemoteEndPoint:l} idle for {IdleTimeout}; closing", _sessionId, remote, _options.IdleTimeout);
            await connection.SendFinalReplyAsync(CaptureReplies.IdleTimeout, s_finalReplyTimeout).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await connection.SendFinalReplyAsync(CaptureReplies.ShuttingDown, s_finalReplyTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or ObjectDisposedException)
        {
            _logger.Information("Session {CaptureSession} from {RemoteEndPoint:l} ended: {Reason:l}", _sessionId, remote, ex.Message);
        }
        catch (Exception ex)
        {
            _logger.Error(ex, "Session {SessionId} from {RemoteEndPoint} failed", _sessionId, remote);
        }
        finally
        {
            if (chunked is not null)
            {
                await chunked.DisposeAsync().ConfigureAwait(false);
            }

            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Reads DATA content and queues the final reply. False if the client went away mid-message.</summary>
    private async Task<bool> ReceiveDataAsync(CaptureConnection connection, CaptureSessionState state, CancellationToken cancellationToken)
    {
        await using var writer = new CaptureMessageWriter(_options.CaptureDirectory, _options.KeepInMemory, _logger);
        var decoder = new DotUnstuffer();
        var (completed, tooBig) = await connection.ReceiveDataAsync(decoder, writer, _options.MaxMessageSize).ConfigureAwait(false);
        if (!completed)
        {
            _logger.Information("Session {CaptureSession}: client closed the connection during DATA", _sessionId);
            return false;
        }

        if (tooBig)
        {
            _logger.Information("Session {CaptureSession}: message rejected, larger than {MaxMessageSize} bytes", _sessionId, _options.MaxMessageSize);
            connection.QueueReply(CaptureReplies.MessageTooBig);
        }
        else if (decoder.HasInvalidContent)
        {
            _logger.Warning("Session {CaptureSession}: message rejected, bare CR/LF or NUL in content", _sessionId);
            connection.QueueReply(CaptureReplies.ContentRejected);
        }
        else
        {
            connection.QueueReply(await AcceptAsync(state, writer, cancellationToken).ConfigureAwait(false));
        }

        return true;
    }

    private async Task<SmtpReply> AcceptAsync(CaptureSessionState state, CaptureMessageWriter writer, CancellationToken cancellationToken)
    {
        if (writer.Failed)
        {
            return CaptureReplies.LocalError;
        }

        var transaction = state.Transaction!;
        var id = _messages.NextId();
        var receivedAt = _timeProvider.GetUtcNow();
        try
        {
            var (path, sha256, content) = await writer.CompleteAsync(id, receivedAt, cancellationToken).ConfigureAwait(false);
            var message = new CapturedMessage(id, state.AuthenticatedUser, transaction.MailFrom, transaction.Recipients, writer.Size, sha256, path, content, state.IsTls, receivedAt);
            _messages.Record(message);
            _logger.Information(
                "Session {CaptureSession} captured message {MessageId} ({Size} bytes, {RecipientCount} recipients) to {FilePath:l}",
                _sessionId, id, message.Size, message.Recipients.Count, path);
            return CaptureReplies.Queued(id);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.Error(ex, "Session {SessionId}: message {MessageId} could not be stored", _sessionId, id);
            return CaptureReplies.LocalError;
        }
    }
}
