using System.Buffers.Text;
using System.Text;

namespace SmtpTap.Core.Protocol;

/// <summary>
/// The one place where a command line (content without CRLF) is split into verb and arguments, the way
/// real servers do it (Postfix's smtpd_token, Exim, Exchange): leading and repeated SP and HTAB separators
/// are tolerated and the verb is compared case-insensitively. The relay, the capture server, the masking
/// decision and the limits all use it, so they can never disagree about which command a line is.
/// </summary>
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
        ("VRFY"u8.ToArray(), SmtpVerb.Vrfy),
        ("EXPN"u8.ToArray(), SmtpVerb.Expn),
        ("HELP"u8.ToArray(), SmtpVerb.Help),
        ("LHLO"u8.ToArray(), SmtpVerb.OtherKnown),
        ("ETRN"u8.ToArray(), SmtpVerb.OtherKnown),
        ("TURN"u8.ToArray(), SmtpVerb.OtherKnown),
        ("ATRN"u8.ToArray(), SmtpVerb.OtherKnown),
        ("SEND"u8.ToArray(), SmtpVerb.OtherKnown),
        ("SOML"u8.ToArray(), SmtpVerb.OtherKnown),
        ("SAML"u8.ToArray(), SmtpVerb.OtherKnown),
        ("BURL"u8.ToArray(), SmtpVerb.OtherKnown),
        ("XCLIENT"u8.ToArray(), SmtpVerb.OtherKnown),
        ("XFORWARD"u8.ToArray(), SmtpVerb.OtherKnown),
        ("XEXCH50"u8.ToArray(), SmtpVerb.OtherKnown),
        ("X-EXPS"u8.ToArray(), SmtpVerb.OtherKnown),
        ("X-LINK2STATE"u8.ToArray(), SmtpVerb.OtherKnown),
        ("XSHADOW"u8.ToArray(), SmtpVerb.OtherKnown),
    ];

    /// <summary>SP or HTAB: the separators servers accept between the words of a command.</summary>
    public static bool IsSeparator(byte b) => b is (byte)' ' or (byte)'\t';

    /// <summary>The verb: the first word after any leading SP/HTAB, up to the next SP/HTAB or the end, case-insensitive.</summary>
    public static SmtpVerb GetVerb(ReadOnlySpan<byte> content)
    {
        var word = VerbWord(content);
        foreach (var (name, verb) in s_verbs)
        {
            if (Ascii.EqualsIgnoreCase(word, name))
            {
                return verb;
            }
        }

        return SmtpVerb.Other;
    }

    /// <summary>True if the line starts with a command any SMTP server knows (the relay's own verbs and the rest).</summary>
    public static bool IsKnownCommand(ReadOnlySpan<byte> content) => GetVerb(content) != SmtpVerb.Other;

    /// <summary>The first word of the line, after any leading SP/HTAB.</summary>
    public static ReadOnlySpan<byte> VerbWord(ReadOnlySpan<byte> content)
    {
        var start = SkipSeparators(content, 0);
        return content[start..SkipWord(content, start)];
    }

    /// <summary>True if the verb stands alone, or is followed by a separator (the line is shaped like a command).</summary>
    public static bool HasSeparatorAfterVerb(ReadOnlySpan<byte> content) => SkipWord(content, SkipSeparators(content, 0)) < content.Length;

    /// <summary>The text after the verb and its separators (empty if none), without trailing separators.</summary>
    public static ReadOnlySpan<byte> Arguments(ReadOnlySpan<byte> content)
    {
        var start = SkipSeparators(content, SkipWord(content, SkipSeparators(content, 0)));
        return content[start..TrimEnd(content, start)];
    }

    /// <summary>The arguments split into words on runs of SP/HTAB.</summary>
    public static List<string> ArgumentWords(ReadOnlySpan<byte> content)
    {
        var words = new List<string>();
        var args = Arguments(content);
        var i = 0;
        while (i < args.Length)
        {
            var end = SkipWord(args, i);
            words.Add(Encoding.Latin1.GetString(args[i..end]));
            i = SkipSeparators(args, end);
        }

        return words;
    }

    /// <summary>Parses <c>BDAT size [LAST]</c>. False if the syntax is wrong.</summary>
    public static bool TryParseBdat(ReadOnlySpan<byte> content, out long size, out bool last)
    {
        size = 0;
        last = false;
        var args = Arguments(content);
        var end = SkipWord(args, 0);

        // Digits only, as Postfix (alldig) and RFC 3030's chunk-size = 1*DIGIT: a sign the parser would take must not make
        // the tap relay opaque chunk bytes that the server reads as commands after refusing the BDAT.
        var number = args[..end];
        if (number.Length is 0 or > 12 || number.ContainsAnyExceptInRange((byte)'0', (byte)'9') || !Utf8Parser.TryParse(number, out size, out var consumed) || consumed != number.Length)
        {
            return false;
        }

        var rest = args[SkipSeparators(args, end)..];
        if (rest.IsEmpty)
        {
            return true;
        }

        if (Ascii.EqualsIgnoreCase(rest, "LAST"u8))
        {
            last = true;
            return true;
        }

        return false;
    }

    /// <summary>
    /// Splits <c>AUTH MECH [initial-response]</c>. False if there is no mechanism. The initial response is
    /// everything after the mechanism and its separators (so nothing of it can be mistaken for the mechanism).
    /// </summary>
    public static bool TryParseAuth(ReadOnlySpan<byte> content, out string mechanism, out Range initialResponse, out bool hasInitialResponse)
    {
        mechanism = string.Empty;
        initialResponse = default;
        hasInitialResponse = false;
        var start = SkipSeparators(content, SkipWord(content, SkipSeparators(content, 0)));
        var mechEnd = SkipWord(content, start);

        var mech = content[start..mechEnd];
        if (mech.IsEmpty || mech.Length > 40)
        {
            return false;
        }

        mechanism = Encoding.ASCII.GetString(mech).ToUpperInvariant();
        var irStart = SkipSeparators(content, mechEnd);
        var irEnd = TrimEnd(content, irStart);

        if (irStart < irEnd)
        {
            initialResponse = new Range(irStart, irEnd);
            hasInitialResponse = true;
        }

        return true;
    }

    /// <summary>
    /// True if the line could be (part of) a SASL response: after trimming SP/HTAB it is non-empty and uses only
    /// the base64 alphabet and '='. Such a line that is not a known command is masked, because it may be a
    /// credential sent where the tap (or the server) no longer expected one.
    /// </summary>
    public static bool CouldBeBase64(ReadOnlySpan<byte> content)
    {
        var start = SkipSeparators(content, 0);
        var end = TrimEnd(content, start);
        if (start == end)
        {
            return false;
        }

        foreach (var b in content[start..end])
        {
            if (!(b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'+' or (byte)'/' or (byte)'=' or (byte)'-' or (byte)'_'))
            {
                return false;
            }
        }

        return true;
    }

    private static int SkipSeparators(ReadOnlySpan<byte> content, int index)
    {
        while (index < content.Length && IsSeparator(content[index]))
        {
            index++;
        }

        return index;
    }

    /// <summary>The index just past the word (run of non-separators) that starts at <paramref name="index"/>.</summary>
    private static int SkipWord(ReadOnlySpan<byte> content, int index)
    {
        while (index < content.Length && !IsSeparator(content[index]))
        {
            index++;
        }

        return index;
    }

    /// <summary>The end of the content with trailing separators left off, never before <paramref name="start"/>.</summary>
    private static int TrimEnd(ReadOnlySpan<byte> content, int start)
    {
        var end = content.Length;
        while (end > start && IsSeparator(content[end - 1]))
        {
            end--;
        }

        return end;
    }
}
