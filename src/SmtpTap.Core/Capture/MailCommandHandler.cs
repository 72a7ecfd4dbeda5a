using System.Globalization;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Capture;

/// <summary>MAIL, RCPT, DATA and BDAT: the transaction part of the capture server's state machine (pure).</summary>
internal sealed class MailCommandHandler
{
    private readonly CaptureServerOptions _options;

    public MailCommandHandler(CaptureServerOptions options) => _options = options;

    public CaptureStep Mail(CaptureSessionState state, string arguments)
    {
        if (!state.IsGreeted)
        {
            return Reply(state, CaptureReplies.SendHeloFirst);
        }

        if (state.Transaction is not null)
        {
            return Reply(state, CaptureReplies.NestedMail);
        }

        if (!MailCommandParser.TryParse(arguments, "FROM:", out var parsed))
        {
            return Reply(state, CaptureReplies.Syntax("MAIL FROM:<address>"));
        }

        long? size = null;
        var body = MessageBodyType.SevenBit;
        var smtpUtf8 = false;
        foreach (var (name, value) in parsed.Parameters)
        {
            if (!state.Extended)
            {
                return Reply(state, CaptureReplies.UnsupportedParameter(name));
            }

            switch (name.ToUpperInvariant())
            {
                case "SIZE":
                    if (value is null || value.Length is 0 or > 18 || !value.All(char.IsAsciiDigit))
                    {
                        return Reply(state, CaptureReplies.BadParameter("Bad message size syntax"));
                    }

                    size = long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                    if (size > _options.MaxMessageSize)
                    {
                        return Reply(state, CaptureReplies.MessageTooBig);
                    }

                    break;
                case "BODY":
                    MessageBodyType? parsedBody = value?.ToUpperInvariant() switch
                    {
                        "7BIT" => MessageBodyType.SevenBit,
                        "8BITMIME" => MessageBodyType.EightBitMime,
                        "BINARYMIME" => MessageBodyType.BinaryMime,
                        _ => null,
                    };
                    if (parsedBody is null)
                    {
                        return Reply(state, CaptureReplies.BadParameter("Unsupported BODY parameter"));
                    }

                    body = parsedBody.Value;
                    break;
                case "SMTPUTF8" when value is null:
                    smtpUtf8 = true;
                    break;
                case "AUTH" when value is not null:
                    break;
                default:
                    return Reply(state, CaptureReplies.UnsupportedParameter(name));
            }
        }

        if (!smtpUtf8 && !MailCommandParser.IsAscii(parsed.Address))
        {
            return Reply(state, CaptureReplies.NeedSmtpUtf8);
        }

        return Reply(state with { Transaction = new MailTransaction(parsed.Address, size, body, smtpUtf8) }, CaptureReplies.SenderOk);
    }

    public CaptureStep Recipient(CaptureSessionState state, string arguments)
    {
        if (!state.IsGreeted)
        {
            return Reply(state, CaptureReplies.SendHeloFirst);
        }

        if (state.Transaction is not { } transaction)
        {
            return Reply(state, CaptureReplies.NeedMail);
        }

        if (!MailCommandParser.TryParse(arguments, "TO:", out var parsed) || parsed.Address.Length == 0)
        {
            return Reply(state, CaptureReplies.Syntax("RCPT TO:<address>"));
        }

        if (parsed.Parameters.Count > 0)
        {
            return Reply(state, CaptureReplies.UnsupportedParameter(parsed.Parameters[0].Key));
        }

        if (!transaction.SmtpUtf8 && !MailCommandParser.IsAscii(parsed.Address))
        {
            return Reply(state, CaptureReplies.NeedSmtpUtf8);
        }

        if (transaction.Recipients.Length >= CaptureCommandProcessor.MaxRecipients)
        {
            return Reply(state, CaptureReplies.TooManyRecipients);
        }

        var next = transaction with { Recipients = transaction.Recipients.Add(parsed.Address) };
        return Reply(state with { Transaction = next }, CaptureReplies.RecipientOk);
    }

    public static CaptureStep Data(CaptureSessionState state, string arguments)
    {
        if (arguments.Length > 0)
        {
            return Reply(state, CaptureReplies.Syntax("DATA"));
        }

        var refusal = CheckReadyForContent(state);
        if (refusal is not null)
        {
            return Reply(state, refusal);
        }

        var transaction = state.Transaction!;
        if (transaction.ChunkingStarted)
        {
            return Reply(state, CaptureReplies.DataAfterBdat);
        }

        if (transaction.Body == MessageBodyType.BinaryMime)
        {
            return Reply(state, CaptureReplies.BinaryMimeNeedsBdat);
        }

        return new CaptureStep(CaptureReplies.StartData, state, CaptureAction.ReceiveData);
    }

    /// <param name="content">The whole command line (without CRLF), parsed as the relay parses it.</param>
    public CaptureStep Bdat(CaptureSessionState state, ReadOnlySpan<byte> content)
    {
        if (!SmtpCommandLine.TryParseBdat(content, out var size, out var last))
        {
            // Without a valid size the chunk cannot be skipped; the bytes that follow will be read as commands.
            return Reply(state, CaptureReplies.Syntax("BDAT size [LAST]"));
        }

        var refusal = !state.Extended && state.IsGreeted ? CaptureReplies.SendEhloFirst : CheckReadyForContent(state);
        if (refusal is not null)
        {
            return Discard(state, refusal, size);
        }

        var transaction = state.Transaction!;
        if (transaction.ChunkedBytes + size > _options.MaxMessageSize)
        {
            return Discard(state with { Transaction = null }, CaptureReplies.MessageTooBig, size);
        }

        var next = transaction with { ChunkingStarted = true, ChunkedBytes = transaction.ChunkedBytes + size };
        return new CaptureStep(null, state with { Transaction = next }, CaptureAction.ReceiveChunk) { ChunkSize = size, LastChunk = last };
    }

    private static SmtpReply? CheckReadyForContent(CaptureSessionState state)
    {
        if (!state.IsGreeted)
        {
            return CaptureReplies.SendHeloFirst;
        }

        if (state.Transaction is null)
        {
            return CaptureReplies.NeedMail;
        }

        return state.Transaction.Recipients.IsEmpty ? CaptureReplies.NeedRecipient : null;
    }

    private static CaptureStep Discard(CaptureSessionState state, SmtpReply reply, long size) =>
        new(reply, state, CaptureAction.DiscardChunk) { ChunkSize = size };

    private static CaptureStep Reply(CaptureSessionState state, SmtpReply reply) => new(reply, state);
}
