using System.Buffers.Binary;
using System.Globalization;

namespace SmtpTap.Core.Auth;

/// <summary>Bounds-checked reader for the target info AV_PAIR list of an NTLM CHALLENGE message.</summary>
internal static class NtlmTargetInfo
{
    public const int MaxAvPairs = 64;

    /// <summary>AV_PAIR list ([MS-NLMP] 2.2.2.1): AvId u16, AvLen u16, value; ends at MsvAvEOL or the buffer end.</summary>
    public static bool TryRead(ReadOnlySpan<byte> info, List<NtlmAvPair> pairs, out string reason)
    {
        reason = string.Empty;
        while (info.Length > 0)
        {
            if (info.Length < 4)
            {
                reason = "truncated target info";
                return false;
            }

            var id = BinaryPrimitives.ReadUInt16LittleEndian(info);
            var length = BinaryPrimitives.ReadUInt16LittleEndian(info[2..]);
            if (length > info.Length - 4)
            {
                reason = "target info entry extends past its buffer";
                return false;
            }

            if (id == 0)
            {
                return true;
            }

            if (pairs.Count >= MaxAvPairs)
            {
                reason = "too many target info entries";
                return false;
            }

            if (!TryDescribeAvPair(id, info.Slice(4, length), out var pair, out reason))
            {
                return false;
            }

            pairs.Add(pair);
            info = info[(4 + length)..];
        }

        return true;
    }

    private static bool TryDescribeAvPair(ushort id, ReadOnlySpan<byte> value, out NtlmAvPair pair, out string reason)
    {
        reason = string.Empty;
        pair = default;
        string? name = id switch
        {
            1 => "NbComputerName",
            2 => "NbDomainName",
            3 => "DnsComputerName",
            4 => "DnsDomainName",
            5 => "DnsTreeName",
            9 => "TargetName",
            _ => null,
        };
        if (name is not null)
        {
            if (!NtlmDecoder.TryString(value, .., unicode: true, out var text, out reason))
            {
                return false;
            }

            pair = new NtlmAvPair(name, text ?? string.Empty, IsName: true);
            return true;
        }

        switch (id)
        {
            case 6 when value.Length == 4:
                pair = new NtlmAvPair("Flags", NtlmFlags.DescribeAvFlags(BinaryPrimitives.ReadUInt32LittleEndian(value)), IsName: false);
                return true;
            case 7 when value.Length == 8:
                pair = new NtlmAvPair("Timestamp", DescribeFileTime(BinaryPrimitives.ReadInt64LittleEndian(value)), IsName: false);
                return true;
            case 6 or 7:
                reason = "target info entry has the wrong size";
                return false;
            case 8:
                pair = new NtlmAvPair("SingleHost", "present", IsName: false);
                return true;
            case 10:
                pair = new NtlmAvPair("ChannelBindings", "present", IsName: false);
                return true;
            default:
                pair = new NtlmAvPair(string.Create(CultureInfo.InvariantCulture, $"AvId{id}"), "present", IsName: false);
                return true;
        }
    }

    private static string DescribeFileTime(long fileTime)
    {
        if (fileTime < 0 || fileTime > DateTime.MaxValue.ToFileTimeUtc())
        {
            return "out of range";
        }

        return DateTime.FromFileTimeUtc(fileTime).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }
}
