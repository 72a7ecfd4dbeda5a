using System.Buffers.Text;
using System.Text;

namespace SmtpTap.Core.Protocol;

/// <summary>Pure helpers that look at one command line (content without CRLF).</summary>
internal static class SmtpCommandLine
{
    private static readonly (byte[] Name, SmtpVerb Verb)[] s_verbs =
    [
        ("EHLO"u8.ToArray(), SmtpVerb.Ehlo),
        ("HELO"u8.ToArray(), SmtpVerb.Helo),
        ("STARTTLS"u8.ToArray(), SmtpVerb.StartTls),
        ("AUTH"u8.ToArray(), SmtpVerb.Auth),
        ("MAIL"u8.ToArray(), SmtpVerb.Mail),
        ("RCPT"u8.ToArray(), SmtpVerb.Rcpt),
        ("DATA"u8.ToArray(), SmtpVerb.Data),
        ("BDAT"u8.ToArray(), SmtpVerb.Bdat),
        ("RSET"u8.ToArray(), SmtpVerb.Rset),
        ("NOOP"u8.ToArray(), SmtpVerb.Noop),
        ("QUIT"u8.ToArray(), SmtpVerb.Quit),
    ];

    /// <summary>The verb: the first word, compared case-insensitively; it must be followed by a space or the end.</summary>
    public static SmtpVerb GetVerb(ReadOnlySpan<byte> content)
    {
        var space = content.IndexOf((byte)' ');
        var word = space < 0 ? content : content[..space];
        foreach (var (name, verb) in s_verbs)
        {
            if (Ascii.EqualsIgnoreCase(word, name))
            {
                return verb;
            }
        }

        return SmtpVerb.Other;
    }

    /// <summary>The text after the verb and its separating spaces (empty if none).</summary>
    public static ReadOnlySpan<byte> Arguments(ReadOnlySpan<byte> content)
    {
        var space = content.IndexOf((byte)' ');
        return space < 0 ? [] : content[(space + 1)..].TrimStart((byte)' ');
    }

    /// <summary>Parses <c>BDAT size [LAST]</c>. False if the syntax is wrong.</summary>
    public static bool TryParseBdat(ReadOnlySpan<byte> content, out long size, out bool last)
    {
        size = 0;
        last = false;
        var args = Arguments(content);
        var space = args.IndexOf((byte)' ');
        var number = space < 0 ? args : args[..space];
        if (number.Length is 0 or > 12 || !Utf8Parser.TryParse(number, out size, out var consumed) || consumed != number.Length || size < 0)
        {
            return false;
        }

        if (space < 0)
        {
            return true;
        }

        var rest = args[(space + 1)..].Trim((byte)' ');
        if (Ascii.EqualsIgnoreCase(rest, "LAST"u8))
        {
            last = true;
            return true;
        }

        return rest.IsEmpty;
    }

    /// <summary>Splits <c>AUTH MECH [initial-response]</c>. False if there is no mechanism.</summary>
    public static bool TryParseAuth(ReadOnlySpan<byte> content, out string mechanism, out Range initialResponse, out bool hasInitialResponse)
    {
        mechanism = string.Empty;
        initialResponse = default;
        hasInitialResponse = false;
        var verbEnd = content.IndexOf((byte)' ');
        if (verbEnd < 0)
        {
            return false;
        }

        var start = verbEnd + 1;
        while (start < content.Length && content[start] == (byte)' ')
        {
            start++;
        }

        var rest = content[start..];
        var mechEnd = rest.IndexOf((byte)' ');
        var mech = mechEnd < 0 ? rest : rest[..mechEnd];
        if (mech.IsEmpty || mech.Length > 40)
        {
            return false;
        }

        mechanism = Encoding.ASCII.GetString(mech).ToUpperInvariant();
        if (mechEnd >= 0)
        {
            var irStart = start + mechEnd + 1;
            initialResponse = new Range(irStart, content.Length);
            hasInitialResponse = irStart < content.Length;
        }

        return true;
    }
}
