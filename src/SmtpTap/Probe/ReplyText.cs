using System.Globalization;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Probe;

/// <summary>SMTP replies as text lines for the transcript and the report.</summary>
internal static class ReplyText
{
    public static IEnumerable<string> Lines(SmtpReply reply)
    {
        var code = reply.Code.ToString("D3", CultureInfo.InvariantCulture);
        for (var i = 0; i < reply.Lines.Count; i++)
        {
            yield return code + (i == reply.Lines.Count - 1 ? " " : "-") + reply.Lines[i];
        }
    }

    /// <summary>The whole reply on one line ("250 2.0.0 Ok: queued as 12"; multi-line joined with " / ").</summary>
    public static string OneLine(SmtpReply reply) =>
        reply.Code.ToString("D3", CultureInfo.InvariantCulture) + (reply.Lines.Count == 0 ? string.Empty : " " + string.Join(" / ", reply.Lines.Where(l => l.Length > 0)));

    /// <summary>The keyword lines of an EHLO reply (without the greeting line).</summary>
    public static IReadOnlyList<string> Capabilities(SmtpReply ehlo) =>
        ehlo.Code == 250 ? ehlo.Lines.Skip(1).ToArray() : [];
}
