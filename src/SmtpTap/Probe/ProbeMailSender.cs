using System.Globalization;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Probe;

/// <summary>MAIL FROM, RCPT TO for each recipient, DATA with the built test message; stops at the first refusal (RSET).</summary>
internal static class ProbeMailSender
{
    public static async Task<MessageReport> RunAsync(ProbeChannel channel, ProbeMessage message, bool authenticated, IReadOnlyList<string> serverNames, string ehloName, TimeProvider time, CancellationToken cancellationToken)
    {
        var from = Address(message.From);
        var mail = await channel.SendAsync($"MAIL FROM:<{from}>", cancellationToken);
        if (!mail.IsPositiveCompletion)
        {
            await ResetAsync(channel, cancellationToken);
            return new MessageReport { Stage = "MAIL FROM", Reply = ReplyText.OneLine(mail), Explanation = ReplyExplainer.Explain(mail) };
        }

        var answers = new List<(string Address, SmtpReply Reply)>();
        foreach (var to in message.To.Select(Address))
        {
            answers.Add((to, await channel.SendAsync($"RCPT TO:<{to}>", cancellationToken)));
        }

        var verdict = RelayClassifier.Classify(answers, authenticated, serverNames);
        var recipients = answers.Select(a => new RecipientReport(a.Address, a.Reply.IsPositiveCompletion, ReplyText.OneLine(a.Reply))).ToArray();
        var report = new MessageReport { Stage = "RCPT TO", Recipients = recipients, RelayVerdict = verdict, RelayText = RelayClassifier.Describe(verdict) };
        var refused = answers.FirstOrDefault(a => !a.Reply.IsPositiveCompletion);
        if (refused.Reply is not null)
        {
            await ResetAsync(channel, cancellationToken);
            return report with { Reply = ReplyText.OneLine(refused.Reply), Explanation = ReplyExplainer.Explain(refused.Reply) };
        }

        var data = await channel.SendAsync("DATA", cancellationToken);
        if (data.Code != 354)
        {
            await ResetAsync(channel, cancellationToken);
            return report with { Stage = "DATA", Reply = ReplyText.OneLine(data), Explanation = ReplyExplainer.Explain(data) };
        }

        var headers = TestMessageBuilder.Headers(message, time.GetLocalNow(), ehloName, Guid.NewGuid());
        var payload = TestMessageBuilder.Build(headers, message.Body);
        foreach (var header in headers)
        {
            channel.Transcript.Client(header);
        }

        var lines = TestMessageBuilder.BodyLines(message.Body).Count;
        channel.Transcript.Client(string.Create(CultureInfo.InvariantCulture, $"(empty line, then the body: {lines} line(s); {payload.Length} octets in all, dot-stuffed)"));
        channel.Transcript.Client(".");
        await channel.WriteAsync(payload, "the message", cancellationToken);
        var end = await channel.ReadAsync("the reply to the end of data", "after the end of data", cancellationToken);
        channel.Transcript.Server(end);
        return report with
        {
            Stage = "end of data",
            Accepted = end.IsPositiveCompletion,
            Reply = ReplyText.OneLine(end),
            Explanation = ReplyExplainer.Explain(end),
            QueueId = QueueIdParser.Parse(end),
        };
    }

    /// <summary>"Name &lt;a@b&gt;" or "&lt;a@b&gt;" or "a@b" → "a@b".</summary>
    public static string Address(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var open = text.LastIndexOf('<');
        var close = text.LastIndexOf('>');
        return open >= 0 && close > open ? text[(open + 1)..close].Trim() : text.Trim();
    }

    private static async Task ResetAsync(ProbeChannel channel, CancellationToken cancellationToken)
    {
        try
        {
            await channel.SendAsync("RSET", cancellationToken);
        }
        catch (ProbeStepException)
        {
        }
    }
}
