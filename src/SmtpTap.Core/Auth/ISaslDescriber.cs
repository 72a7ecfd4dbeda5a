namespace SmtpTap.Core.Auth;

/// <summary>
/// Turns the payloads of one SASL exchange into transcript text. One instance per AUTH exchange,
/// created by <see cref="SaslDescriberFactory"/>. It never changes what is forwarded: it only decides
/// what a reader of the transcript sees. Every method returns text that is safe to log: no secret,
/// no base64 of a secret, no length of a secret.
/// </summary>
internal interface ISaslDescriber
{
    /// <summary>Mechanism name as the client sent it, upper-cased.</summary>
    string Mechanism { get; }

    /// <summary>
    /// Describes a client payload: the initial response of <c>AUTH MECH ir</c> (<paramref name="isInitialResponse"/> true)
    /// or a continuation line sent after a 334 challenge. <paramref name="line"/> is the raw line without CRLF
    /// (normally base64, "=" for empty, "*" for cancel). Returns the replacement text for the whole line,
    /// e.g. <c>"******** (user=alice, password=********)"</c>.
    /// </summary>
    string DescribeClient(ReadOnlySpan<byte> line, bool isInitialResponse);

    /// <summary>
    /// Describes the text of a 334 challenge (the part after "334 "). Returns the replacement text,
    /// e.g. <c>"VXNlcm5hbWU6 (Username:)"</c>; secret parts of a challenge (SCRAM v=, DIGEST rspauth) are masked.
    /// </summary>
    string DescribeServer(ReadOnlySpan<byte> challenge);
}
