namespace SmtpTap.Core.Capture;

/// <summary>NTLM NegotiateFlags used by the capture server (MS-NLMP §2.2.2.5).</summary>
[Flags]
internal enum NtlmFlags : uint
{
    None = 0,
    NegotiateUnicode = 0x00000001,
    NegotiateOem = 0x00000002,
    RequestTarget = 0x00000004,
    NegotiateNtlm = 0x00000200,
    NegotiateAlwaysSign = 0x00008000,
    TargetTypeDomain = 0x00010000,
    TargetTypeServer = 0x00020000,
    NegotiateExtendedSessionSecurity = 0x00080000,
    NegotiateTargetInfo = 0x00800000,
    NegotiateVersion = 0x02000000,
    Negotiate128 = 0x20000000,
    NegotiateKeyExchange = 0x40000000,
    Negotiate56 = 0x80000000,
}
