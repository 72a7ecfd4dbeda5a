using System.Globalization;
using MimeKit;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Web;

/// <summary>
/// Reads a stored message's .eml with MimeKit into what the message page shows: decoded headers, the MIME tree with
/// part ids, the first text part, the HTML part's address, the attachments, and the raw-byte facts.
/// </summary>
internal static class MessageView
{
    /// <summary>The text part is shown up to this many characters.</summary>
    public const int MaxText = 512 * 1024;

    public static async Task<MessageDetail> DescribeAsync(StoredMessage stored, CancellationToken cancellationToken)
    {
        var message = stored.Message;
        var envelope = new MessageEnvelopeView(
            Step(message.MailFrom),
            [.. message.Recipients.Select(r => Step(r)!)],
            Reply(message.Verdict),
            message.Chunked);
        var baseUrl = "/api/messages/" + Uri.EscapeDataString(stored.Id);
        if (stored.FilePath is not { } path || !File.Exists(path))
        {
            var reason = stored.FilePath is null
                ? "the tap keeps no copy of this message (with a real upstream, start it with --capture-dir DIR)"
                : "the stored copy is no longer there (" + Path.GetFileName(stored.FilePath) + ")";
            return new MessageDetail(stored.Id, message.SessionId, message.Number, message.Timestamp, envelope, false, reason, 0, null, [], null, null, false, null, [], null, null);
        }

        var facts = await ScanAsync(path, cancellationToken);
        await using var stream = File.OpenRead(path);
        var mime = await MimeMessage.LoadAsync(stream, persistent: true, cancellationToken);
        var headers = mime.Headers.Select(h => new HeaderView(DisplayText.Escape(h.Field), DisplayText.Escape(h.Value))).ToList();
        var attachments = new List<AttachmentView>();
        TextPart? text = null;
        var hasHtml = false;
        var tree = mime.Body is null ? null : Node(mime.Body, "1", baseUrl, attachments, ref text, ref hasHtml);
        string? shownText = null;
        var cut = false;
        if (text is not null)
        {
            var full = text.Text ?? string.Empty;
            cut = full.Length > MaxText;
            shownText = DisplayText.Escape(cut ? full[..MaxText] : full, multiline: true);
        }

        return new MessageDetail(
            stored.Id,
            message.SessionId,
            message.Number,
            message.Timestamp,
            envelope,
            true,
            null,
            stream.Length,
            mime.Headers[HeaderId.Subject] is { } subject ? DisplayText.Escape(subject) : null,
            headers,
            tree,
            shownText,
            cut,
            hasHtml ? baseUrl + "/html" : null,
            attachments,
            facts,
            baseUrl + "/raw");
    }

    /// <summary>The list row of a message: its subject is read from the header section only.</summary>
    public static MessageListItem Summarize(StoredMessage stored)
    {
        var message = stored.Message;
        string? subject = null;
        long? size = null;
        if (stored.FilePath is { } path && File.Exists(path))
        {
            try
            {
                using var stream = File.OpenRead(path);
                size = stream.Length;
                var headers = HeaderList.Load(stream);
                subject = headers[HeaderId.Subject] is { } s ? DisplayText.Escape(s) : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
            }
        }

        return new MessageListItem(
            stored.Id,
            message.Number,
            message.MailFrom?.Address,
            [.. message.Recipients.Select(r => r.Address)],
            Reply(message.Verdict),
            subject,
            size,
            size is not null);
    }

    /// <summary>The entity at <paramref name="partId"/> ("1", "1.2", ...) in the tree <see cref="Node"/> numbers.</summary>
    public static MimeEntity? Find(MimeEntity root, string partId)
    {
        var steps = partId.Split('.');
        if (steps[0] != "1")
        {
            return null;
        }

        var entity = root;
        foreach (var step in steps.Skip(1))
        {
            if (entity is not Multipart multipart
                || !int.TryParse(step, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                || index < 1 || index > multipart.Count)
            {
                return null;
            }

            entity = multipart[index - 1];
        }

        return entity;
    }

    /// <summary>The first HTML part that is not an attachment (what /html serves).</summary>
    public static TextPart? FirstHtml(MimeEntity root) =>
        root is Multipart multipart
            ? multipart.Select(FirstHtml).FirstOrDefault(p => p is not null)
            : root is TextPart { IsHtml: true, IsAttachment: false } html ? html : null;

    private static MimeNode Node(MimeEntity entity, string id, string baseUrl, List<AttachmentView> attachments, ref TextPart? text, ref bool hasHtml)
    {
        var children = new List<MimeNode>();
        if (entity is Multipart multipart)
        {
            for (var i = 0; i < multipart.Count; i++)
            {
                children.Add(Node(multipart[i], id + "." + (i + 1).ToString(CultureInfo.InvariantCulture), baseUrl, attachments, ref text, ref hasHtml));
            }
        }

        long? size = null;
        string? encoding = null;
        var fileName = entity.ContentDisposition?.FileName ?? entity.ContentType.Name;
        if (entity is MimePart part)
        {
            size = DecodedSize(part);
            encoding = part.Headers[HeaderId.ContentTransferEncoding]?.Trim();
            var isText = part is TextPart && !part.IsAttachment;
            if (isText && part is TextPart { IsHtml: true })
            {
                hasHtml = true;
            }
            else if (isText && text is null && part is TextPart { IsPlain: true } plain)
            {
                text = plain;
            }
            else if (!isText)
            {
                attachments.Add(new AttachmentView(id, fileName is null ? null : DisplayText.Escape(fileName), entity.ContentType.MimeType, size.Value, baseUrl + "/parts/" + id));
            }
        }
        else if (entity is MessagePart)
        {
            attachments.Add(new AttachmentView(id, fileName is null ? null : DisplayText.Escape(fileName), entity.ContentType.MimeType, 0, baseUrl + "/parts/" + id));
        }

        return new MimeNode(
            id,
            entity.ContentType.MimeType,
            entity.ContentType.Charset,
            encoding,
            size,
            fileName is null ? null : DisplayText.Escape(fileName),
            entity.ContentDisposition?.Disposition,
            children);
    }

    private static long DecodedSize(MimePart part)
    {
        if (part.Content is null)
        {
            return 0;
        }

        using var counter = new CountingStream();
        part.Content.DecodeTo(counter);
        return counter.Length;
    }

    private static async Task<MessageFacts> ScanAsync(string path, CancellationToken cancellationToken)
    {
        var scanner = new MessageFactsScanner();
        var buffer = new byte[64 * 1024];
        await using var stream = File.OpenRead(path);
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            scanner.Feed(buffer.AsSpan(0, read));
        }

        return scanner.Finish();
    }

    private static EnvelopeStepView? Step(EnvelopeCommand? command) =>
        command is null ? null : new EnvelopeStepView(command.Command, command.Address, command.Reply is { } reply ? Reply(reply) : null);

    private static ReplyView Reply(ShownReply reply) => new(reply.Code, reply.Text, reply.Accepted);
}
