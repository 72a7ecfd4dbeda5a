using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace SmtpTap.Core.Auth;

/// <summary>
/// Bounds-checked decoder for NTLM NEGOTIATE, CHALLENGE and AUTHENTICATE messages ([MS-NLMP] 2.2.1).
/// Every security buffer (len, maxlen, offset) is checked against the message; offsets into the fixed
/// header, overlapping buffers, odd-length UTF-16 and oversized fields are rejected. It never throws
/// for bad input, and a failure reason is a fixed phrase, never message content (the Exim
/// CVE-2023-42114 class of bugs).
/// </summary>
internal static class NtlmDecoder
{
    public const int MaxMessageBytes = 32 * 1024;

    /// <summary>Longest name field accepted (bytes on the wire).</summary>
    public const int MaxNameBytes = 1024;

    private static ReadOnlySpan<byte> Signature => "NTLMSSP\0"u8;

    public static bool TryDecode(ReadOnlySpan<byte> data, [NotNullWhen(true)] out NtlmMessage? message, out string reason)
    {
        message = null;
        if (data.Length > MaxMessageBytes)
        {
            reason = "message too large";
            return false;
        }

        if (data.Length < 12 || !data[..8].SequenceEqual(Signature))
        {
            reason = "missing NTLMSSP signature";
            return false;
        }

        return BinaryPrimitives.ReadUInt32LittleEndian(data[8..]) switch
        {
            1 => TryDecodeNegotiate(data, out message, out reason),
            2 => TryDecodeChallenge(data, out message, out reason),
            3 => TryDecodeAuthenticate(data, out message, out reason),
            _ => Fail(out message, out reason, "unknown message type"),
        };
    }

    private static bool TryDecodeNegotiate(ReadOnlySpan<byte> data, out NtlmMessage? message, out string reason)
    {
        if (data.Length < 16)
        {
            return Fail(out message, out reason, "NEGOTIATE message too short");
        }

        var flags = ReadFlags(data, 12);
        Range domain = default;
        Range workstation = default;
        string? version = null;
        if (data.Length >= 32)
        {
            if (!TryGetBuffer(data, 16, 32, out domain, out reason) || !TryGetBuffer(data, 24, 32, out workstation, out reason))
            {
                message = null;
                return false;
            }

            if (!NoOverlap([domain, workstation], data.Length))
            {
                return Fail(out message, out reason, "overlapping fields");
            }

            version = ReadVersion(data, 32, flags, PayloadStart(data.Length, domain, workstation));
        }

        if (!TryOem(data, domain, out var domainName) || !TryOem(data, workstation, out var workstationName))
        {
            return Fail(out message, out reason, "name field too long");
        }

        message = new NtlmMessage
        {
            MessageType = 1,
            Flags = flags,
            DomainName = (flags & NtlmFlags.OemDomainSupplied) != 0 ? domainName : null,
            Workstation = (flags & NtlmFlags.OemWorkstationSupplied) != 0 ? workstationName : null,
            Version = version,
        };
        reason = string.Empty;
        return true;
    }

    private static bool TryDecodeChallenge(ReadOnlySpan<byte> data, out NtlmMessage? message, out string reason)
    {
        if (data.Length < 32)
        {
            return Fail(out message, out reason, "CHALLENGE message too short");
        }

        var flags = ReadFlags(data, 20);
        var headerEnd = data.Length >= 48 ? 48 : 32;
        if (!TryGetBuffer(data, 12, headerEnd, out var target, out reason))
        {
            message = null;
            return false;
        }

        Range targetInfo = default;
        string? version = null;
        if (headerEnd == 48)
        {
            if (!TryGetBuffer(data, 40, headerEnd, out targetInfo, out reason))
            {
                message = null;
                return false;
            }

            if (!NoOverlap([target, targetInfo], data.Length))
            {
                return Fail(out message, out reason, "overlapping fields");
            }

            version = ReadVersion(data, 48, flags, PayloadStart(data.Length, target, targetInfo));
        }

        var unicode = (flags & NtlmFlags.NegotiateUnicode) != 0;
        if (!TryString(data, target, unicode, out var targetName, out reason))
        {
            message = null;
            return false;
        }

        var pairs = new List<NtlmAvPair>();
        if (!NtlmTargetInfo.TryRead(data[targetInfo], pairs, out reason))
        {
            message = null;
            return false;
        }

        message = new NtlmMessage
        {
            MessageType = 2,
            Flags = flags,
            TargetName = targetName,
            TargetInfo = pairs,
            Version = version,
        };
        return true;
    }

    private static bool TryDecodeAuthenticate(ReadOnlySpan<byte> data, out NtlmMessage? message, out string reason)
    {
        const int headerEnd = 64;
        if (data.Length < headerEnd)
        {
            return Fail(out message, out reason, "AUTHENTICATE message too short");
        }

        var ranges = new Range[6];
        for (var i = 0; i < ranges.Length; i++)
        {
            if (!TryGetBuffer(data, 12 + (8 * i), headerEnd, out ranges[i], out reason))
            {
                message = null;
                return false;
            }
        }

        if (!NoOverlap(ranges, data.Length))
        {
            return Fail(out message, out reason, "overlapping fields");
        }

        var flags = ReadFlags(data, 60);
        var unicode = (flags & NtlmFlags.NegotiateUnicode) != 0;
        var (lm, nt, domain, user, workstation, key) = (ranges[0], ranges[1], ranges[2], ranges[3], ranges[4], ranges[5]);
        if (!TryString(data, domain, unicode, out var domainName, out reason)
            || !TryString(data, user, unicode, out var userName, out reason)
            || !TryString(data, workstation, unicode, out var workstationName, out reason))
        {
            message = null;
            return false;
        }

        var payloadStart = PayloadStart(data.Length, ranges);
        var ntLength = nt.GetOffsetAndLength(data.Length).Length;
        message = new NtlmMessage
        {
            MessageType = 3,
            Flags = flags,
            DomainName = domainName,
            UserName = userName,
            Workstation = workstationName,
            Version = ReadVersion(data, 64, flags, payloadStart),
            ResponseKind = ntLength switch
            {
                0 => "anonymous",
                24 => "NTLMv1",
                > 24 => "NTLMv2",
                _ => "unrecognised",
            },
            HasLmResponse = lm.GetOffsetAndLength(data.Length).Length > 0,
            HasNtResponse = ntLength > 0,
            HasSessionKey = key.GetOffsetAndLength(data.Length).Length > 0,
            HasMic = payloadStart >= 88 && data.Length >= 88,
        };
        return true;
    }

    /// <summary>Reads a (len u16, maxlen u16, offset u32) security buffer; maxlen is ignored as the spec says.</summary>
    private static bool TryGetBuffer(ReadOnlySpan<byte> data, int field, int headerEnd, out Range range, out string reason)
    {
        range = default;
        reason = string.Empty;
        var length = BinaryPrimitives.ReadUInt16LittleEndian(data[field..]);
        var offset = BinaryPrimitives.ReadUInt32LittleEndian(data[(field + 4)..]);
        if (length == 0)
        {
            return true;
        }

        if (offset < headerEnd)
        {
            reason = "buffer offset points into the header";
            return false;
        }

        if (offset > (uint)data.Length || length > data.Length - (int)offset)
        {
            reason = "buffer extends past the end of the message";
            return false;
        }

        range = (int)offset..((int)offset + length);
        return true;
    }

    private static bool NoOverlap(Range[] ranges, int length)
    {
        for (var i = 0; i < ranges.Length; i++)
        {
            var (a, aLength) = ranges[i].GetOffsetAndLength(length);
            for (var j = i + 1; j < ranges.Length && aLength > 0; j++)
            {
                var (b, bLength) = ranges[j].GetOffsetAndLength(length);
                if (bLength > 0 && a < b + bLength && b < a + aLength)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Start of the variable payload: the smallest offset of a non-empty buffer, else the message end.</summary>
    private static int PayloadStart(int length, params ReadOnlySpan<Range> ranges)
    {
        var start = length;
        foreach (var range in ranges)
        {
            var (offset, count) = range.GetOffsetAndLength(length);
            if (count > 0)
            {
                start = Math.Min(start, offset);
            }
        }

        return start;
    }

    private static uint ReadFlags(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);

    /// <summary>VERSION ([MS-NLMP] 2.2.2.10): major, minor, build u16, 3 reserved, revision.</summary>
    private static string? ReadVersion(ReadOnlySpan<byte> data, int offset, uint flags, int payloadStart)
    {
        if ((flags & NtlmFlags.NegotiateVersion) == 0 || payloadStart < offset + 8 || data.Length < offset + 8)
        {
            return null;
        }

        var v = data.Slice(offset, 8);
        var build = BinaryPrimitives.ReadUInt16LittleEndian(v[2..]);
        return string.Create(CultureInfo.InvariantCulture, $"{v[0]}.{v[1]}.{build} (NTLM revision {v[7]})");
    }

    /// <summary>A name field as display text: UTF-16LE when <paramref name="unicode"/>, else OEM shown as escaped ASCII.</summary>
    internal static bool TryString(ReadOnlySpan<byte> data, Range range, bool unicode, out string? text, out string reason)
    {
        reason = string.Empty;
        text = null;
        var bytes = data[range];
        if (bytes.Length > MaxNameBytes)
        {
            reason = "name field too long";
            return false;
        }

        if (unicode && bytes.Length % 2 != 0)
        {
            reason = "odd-length UTF-16 string";
            return false;
        }

        text = bytes.Length == 0 ? string.Empty : unicode ? SaslText.Field(Encoding.Unicode.GetString(bytes)) : SaslText.Ascii(bytes);
        return true;
    }

    private static bool TryOem(ReadOnlySpan<byte> data, Range range, out string? text) =>
        TryString(data, range, unicode: false, out text, out _);

    private static bool Fail(out NtlmMessage? message, out string reason, string why)
    {
        message = null;
        reason = why;
        return false;
    }
}
