namespace SmtpTap.Core.Protocol;

/// <summary>A complete SMTP reply: one code and one or more text lines (without code, separator or CRLF).</summary>
internal sealed record SmtpReply(int Code, IReadOnlyList<string> Lines)
{
    public bool IsPositiveCompletion => Code is >= 200 and < 300;

    public bool IsIntermediate => Code is >= 300 and < 400;

    public bool IsTransientFailure => Code is >= 400 and < 500;

    public bool IsPermanentFailure => Code >= 500;

    /// <summary>Text of the first line (after "NNN " or "NNN-").</summary>
    public string FirstLine => Lines.Count > 0 ? Lines[0] : string.Empty;

    /// <summary>Renders the reply in wire format (CRLF-terminated lines).</summary>
    public string ToWireString()
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < Lines.Count; i++)
        {
            sb.Append(Code.ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
            sb.Append(i == Lines.Count - 1 ? ' ' : '-');
            sb.Append(Lines[i]);
            sb.Append("\r\n");
        }

        return sb.ToString();
    }

    public static SmtpReply Single(int code, string text) => new(code, [text]);

    /// <summary>Code and line count only: a reply can quote what a client sent (even a SASL payload), so its text stays out of ToString.</summary>
    public override string ToString() => $"SMTP reply {Code.ToString(System.Globalization.CultureInfo.InvariantCulture)} ({Lines.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)} line(s))";
}
