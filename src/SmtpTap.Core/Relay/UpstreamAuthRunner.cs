using System.Security.Cryptography;
using System.Text;
using SmtpTap.Core.Auth;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>
/// Moves the lines of an <see cref="UpstreamAuthDialog"/> to the server and its replies back, one at a time: the
/// decisions are the dialog's. Each line is shown masked (<c>tap&gt;server</c>), remembered so that a server quoting
/// it back is masked too, and zeroed once written.
/// </summary>
internal static class UpstreamAuthRunner
{
    /// <summary>
    /// Runs the exchange; the server's final reply, the last 334 when the server would not end it (see
    /// <see cref="UpstreamAuthDialog.Cancelled"/>), or null when the upstream was lost.
    /// </summary>
    /// <param name="kind"><see cref="PendingKind.TapAuth"/>: the final reply goes to the client (it sent AUTH);
    /// <see cref="PendingKind.TapInject"/>: no reply goes to the client (it sent MAIL).</param>
    public static async Task<SmtpReply?> RunAsync(SessionContext context, ClientPump pump, UpstreamAuthDialog dialog, PendingKind kind, CancellationToken cancellationToken)
    {
        context.Sasl = SaslDescriberFactory.Create(dialog.Mechanism, context.MaskOptions);
        context.SaslPayloads.Clear();
        var line = dialog.Start();
        while (true)
        {
            Remember(context, line.Wire);
            context.Transcript.Line(TranscriptDirection.TapToServer, line.Shown);
            Interlocked.Add(ref context.TapBytesToServer, line.Wire.Length);
            SmtpReply? reply;
            try
            {
                reply = await pump.ForwardAndWaitAsync(kind, line.Wire, cancellationToken);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(line.Wire);
            }

            if (reply?.Code != 334)
            {
                return reply;
            }

            if (dialog.Answer(reply) is not { } next)
            {
                context.Sasl = null;
                context.SaslPayloads.Clear();
                return reply;
            }

            line = next;
        }
    }

    /// <summary>The base64 payload of a line (after <c>AUTH MECH </c> for the command), for masking a server's echo of it.</summary>
    private static void Remember(SessionContext context, byte[] wire)
    {
        var text = Encoding.ASCII.GetString(wire, 0, wire.Length - 2);
        if (text.StartsWith("AUTH ", StringComparison.Ordinal))
        {
            var space = text.IndexOf(' ', 5);
            text = space < 0 ? string.Empty : text[(space + 1)..];
        }

        if (text.Length >= 4)
        {
            context.SaslPayloads.Add(text);
        }
    }
}
