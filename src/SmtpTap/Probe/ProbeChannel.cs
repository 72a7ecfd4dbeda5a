using System.Net.Sockets;
using System.Text;
using SmtpTap.Core.Auth;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Relay;

namespace SmtpTap.Probe;

/// <summary>
/// The probe's side of the conversation: writes commands, reads whole replies, each bounded by the step
/// timeout, and turns every way a read can fail into a one-line <see cref="ProbeStepException"/>.
/// </summary>
internal sealed class ProbeChannel(SmtpConnection connection, ProbeTranscript transcript, TimeSpan timeout)
{
    public SmtpConnection Connection => connection;

    public ProbeTranscript Transcript => transcript;

    public TimeSpan Timeout => timeout;

    /// <summary>Bytes that arrived behind the last reply before it was read (matters right after STARTTLS).</summary>
    public bool MoreBuffered { get; private set; }

    /// <summary>Sends <paramref name="command"/> (shown as <paramref name="shown"/>, masked when it carries a secret) and reads the reply.</summary>
    public async Task<SmtpReply> SendAsync(string command, string shown, string verb, CancellationToken cancellationToken, ISaslDescriber? sasl = null)
    {
        transcript.Client(shown);
        await WriteAsync(command + "\r\n", verb, cancellationToken);
        var reply = await ReadAsync("the reply to " + verb, "after " + verb, cancellationToken);
        if (sasl is not null && reply.Code == 334)
        {
            transcript.Server("334 " + sasl.DescribeServer(Encoding.UTF8.GetBytes(reply.FirstLine)));
        }
        else
        {
            transcript.Server(reply);
        }

        return reply;
    }

    public Task<SmtpReply> SendAsync(string command, CancellationToken cancellationToken) =>
        SendAsync(command, command, Verb(command), cancellationToken);

    public async Task WriteAsync(string text, string verb, CancellationToken cancellationToken)
    {
        using var cts = Linked(cancellationToken);
        try
        {
            await connection.WriteAsync(text, cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProbeStepException(ProbeFailureKind.Connection, $"timed out after {Seconds}s sending {verb}");
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            throw new ProbeStepException(ProbeFailureKind.Connection, $"the server closed the connection before {verb} could be sent");
        }
    }

    /// <summary>Reads one reply; <paramref name="waitingFor"/> and <paramref name="closedWhen"/> word the timeout and drop errors.</summary>
    public async Task<SmtpReply> ReadAsync(string waitingFor, string closedWhen, CancellationToken cancellationToken)
    {
        using var cts = Linked(cancellationToken);
        ReplyRead? read;
        try
        {
            read = await ReplyReader.ReadAsync(connection.Reader, ReplyLimits.Default, cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProbeStepException(ProbeFailureKind.Connection, $"timed out after {Seconds}s waiting for {waitingFor}");
        }
        catch (PeerProtocolException ex)
        {
            throw new ProbeStepException(ProbeFailureKind.Connection, $"{ex.Message} (waiting for {waitingFor})");
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            throw new ProbeStepException(ProbeFailureKind.Connection, $"the server closed the connection {closedWhen} ({Reason(ex)})");
        }

        if (read is null)
        {
            throw new ProbeStepException(ProbeFailureKind.Connection, $"the server closed the connection {closedWhen}");
        }

        MoreBuffered = read.MoreBuffered;
        return read.Reply;
    }

    public CancellationTokenSource Linked(CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        return cts;
    }

    public int Seconds => (int)Math.Round(timeout.TotalSeconds);

    public static string Verb(string command)
    {
        var space = command.IndexOf(' ', StringComparison.Ordinal);
        var verb = space < 0 ? command : command[..space];
        return verb.ToUpperInvariant() switch
        {
            "MAIL" => "MAIL FROM",
            "RCPT" => "RCPT TO",
            _ => verb,
        };
    }

    private static string Reason(Exception ex) => ex is IOException { InnerException: SocketException s } ? s.SocketErrorCode.ToString() : ex.GetType().Name;
}
