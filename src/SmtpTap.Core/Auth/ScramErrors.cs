namespace SmtpTap.Core.Auth;

/// <summary>Plain-English meaning of SCRAM server-error-value (RFC 5802 section 7).</summary>
internal static class ScramErrors
{
    public static string Explain(ReadOnlySpan<byte> error)
    {
        string[][] table =
        [
            ["invalid-proof", "the client proof did not match: wrong password"],
            ["unknown-user", "the server does not know this user"],
            ["invalid-encoding", "the client message was not encoded correctly"],
            ["extensions-not-supported", "the client used an unsupported extension"],
            ["channel-bindings-dont-match", "the channel binding did not match (expected behind a TLS-intercepting proxy)"],
            ["server-does-support-channel-binding", "downgrade detected: the client said 'y' but the server supports channel binding"],
            ["channel-binding-not-supported", "the server does not support channel binding"],
            ["unsupported-channel-binding-type", "the server does not support this channel-binding type"],
            ["invalid-username-encoding", "the user name was not valid SASLprep/UTF-8"],
            ["no-resources", "the server is out of resources"],
            ["other-error", "unspecified server error"],
        ];

        foreach (var row in table)
        {
            if (SaslText.Is(error, row[0]))
            {
                return row[1];
            }
        }

        return "unrecognised error";
    }
}
