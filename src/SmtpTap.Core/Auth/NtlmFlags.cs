using System.Globalization;
using System.Text;

namespace SmtpTap.Core.Auth;

/// <summary>NegotiateFlags names ([MS-NLMP] 2.2.2.5) and their rendering as <c>0xE2088297 (NEGOTIATE_UNICODE | ...)</c>.</summary>
internal static class NtlmFlags
{
    public const uint NegotiateUnicode = 0x00000001;
    public const uint OemDomainSupplied = 0x00001000;
    public const uint OemWorkstationSupplied = 0x00002000;
    public const uint NegotiateVersion = 0x02000000;

    private static readonly (uint Bit, string Name)[] s_names =
    [
        (0x00000001, "NEGOTIATE_UNICODE"),
        (0x00000002, "NEGOTIATE_OEM"),
        (0x00000004, "REQUEST_TARGET"),
        (0x00000010, "NEGOTIATE_SIGN"),
        (0x00000020, "NEGOTIATE_SEAL"),
        (0x00000040, "NEGOTIATE_DATAGRAM"),
        (0x00000080, "NEGOTIATE_LM_KEY"),
        (0x00000200, "NEGOTIATE_NTLM"),
        (0x00000800, "ANONYMOUS"),
        (0x00001000, "NEGOTIATE_OEM_DOMAIN_SUPPLIED"),
        (0x00002000, "NEGOTIATE_OEM_WORKSTATION_SUPPLIED"),
        (0x00008000, "NEGOTIATE_ALWAYS_SIGN"),
        (0x00010000, "TARGET_TYPE_DOMAIN"),
        (0x00020000, "TARGET_TYPE_SERVER"),
        (0x00080000, "NEGOTIATE_EXTENDED_SESSIONSECURITY"),
        (0x00100000, "NEGOTIATE_IDENTIFY"),
        (0x00400000, "REQUEST_NON_NT_SESSION_KEY"),
        (0x00800000, "NEGOTIATE_TARGET_INFO"),
        (0x02000000, "NEGOTIATE_VERSION"),
        (0x20000000, "NEGOTIATE_128"),
        (0x40000000, "NEGOTIATE_KEY_EXCH"),
        (0x80000000, "NEGOTIATE_56"),
    ];

    public static string Describe(uint flags)
    {
        var sb = new StringBuilder("0x").Append(flags.ToString("X8", CultureInfo.InvariantCulture));
        var names = new List<string>();
        var known = 0u;
        foreach (var (bit, name) in s_names)
        {
            known |= bit;
            if ((flags & bit) != 0)
            {
                names.Add(name);
            }
        }

        if ((flags & ~known) != 0)
        {
            names.Add("reserved 0x" + (flags & ~known).ToString("X8", CultureInfo.InvariantCulture));
        }

        return names.Count == 0 ? sb.ToString() : sb.Append(" (").AppendJoin(" | ", names).Append(')').ToString();
    }

    /// <summary>MsvAvFlags bits ([MS-NLMP] 2.2.2.1).</summary>
    public static string DescribeAvFlags(uint flags)
    {
        var names = new List<string>();
        if ((flags & 0x1) != 0)
        {
            names.Add("account authentication is constrained");
        }

        if ((flags & 0x2) != 0)
        {
            names.Add("MIC present");
        }

        if ((flags & 0x4) != 0)
        {
            names.Add("SPN from an untrusted source");
        }

        var hex = "0x" + flags.ToString("X8", CultureInfo.InvariantCulture);
        return names.Count == 0 ? hex : $"{hex} ({string.Join(", ", names)})";
    }
}
