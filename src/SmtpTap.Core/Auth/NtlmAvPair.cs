namespace SmtpTap.Core.Auth;

/// <summary>One decoded AV_PAIR of a CHALLENGE message's target info. <paramref name="IsName"/> marks host/domain names.</summary>
internal readonly record struct NtlmAvPair(string Name, string Value, bool IsName);
