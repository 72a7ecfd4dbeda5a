using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace SmtpTap.Core.Protocol;

/// <summary>RFC 1870 SIZE: the server's advertised maximum, a client's declared size, and the limit the tap enforces.</summary>
internal static class MessageSize
{
    /// <summary>The fixed maximum from an EHLO reply's SIZE line; 0 if absent or "no fixed maximum".</summary>
    public static long Advertised(SmtpReply ehlo)
    {
        if (ehlo.Code != 250)
        {
            return 0;
        }

        for (var i = 1; i < ehlo.Lines.Count; i++)
        {
            var parts = ehlo.Lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && string.Equals(parts[0], "SIZE", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                return size;
            }
        }

        return 0;
    }

    /// <summary>The smaller of two limits where 0 means none.</summary>
    public static long Effective(long own, long server) => own <= 0 ? server : server <= 0 ? own : Math.Min(own, server);

    /// <summary>The SIZE=n parameter of a MAIL command line (content without CRLF); false if there is none or it is not a number.</summary>
    public static bool TryGetDeclared(ReadOnlySpan<byte> mailLine, out long size)
    {
        size = 0;
        var args = SmtpCommandLine.Arguments(mailLine);
        foreach (var range in args.Split((byte)' '))
        {
            var word = args[range];
            if (word.Length > 5 && Ascii.EqualsIgnoreCase(word[..5], "SIZE="u8))
            {
                var digits = word[5..];
                return digits.Length <= 18 && Utf8Parser.TryParse(digits, out size, out var consumed) && consumed == digits.Length && size >= 0;
            }
        }

        return false;
    }
}
