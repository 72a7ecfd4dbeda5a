namespace SmtpTap.Core.Auth;

/// <summary>GS2 header pieces (RFC 5801) shared by SCRAM and OAUTHBEARER.</summary>
internal static class Gs2
{
    /// <summary>Describes a gs2-cbind-flag: <c>n</c>, <c>y</c> or <c>p=cb-name</c>.</summary>
    public static string DescribeFlag(ReadOnlySpan<byte> flag)
    {
        if (SaslText.Is(flag, "n"))
        {
            return "n (no channel binding)";
        }

        if (SaslText.Is(flag, "y"))
        {
            return "y (client supports channel binding but thinks the server does not)";
        }

        if (flag.StartsWith("p="u8))
        {
            return $"p={SaslText.Field(flag[2..], 32)} (channel binding required; it cannot survive TLS interception)";
        }

        return $"{SaslText.Field(flag, 32)} (unknown)";
    }

    /// <summary>A saslname with "=2C" and "=3D" unescaped, shown unless identities are masked.</summary>
    public static string Identity(ReadOnlySpan<byte> saslName, SaslMaskOptions options) =>
        options.MaskUsernames
            ? SaslMask.Placeholder
            : SaslText.Field(saslName).Replace("=2C", ",", StringComparison.Ordinal).Replace("=3D", "=", StringComparison.Ordinal);
}
