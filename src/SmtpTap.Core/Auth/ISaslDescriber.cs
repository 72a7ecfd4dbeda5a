namespace SmtpTap.Core.Auth;

/// <summary>
/// Turns the payloads of one SASL exchange into transcript text. One instance per AUTH exchange,
/// created by <see cref="SaslDescriberFactory"/>. It never changes what is forwarded: it only decides
/// what a reader of the transcript sees. Every method returns text that is safe to log: no secret,
/// no base64 of a secret, no length of a secret. Client payloads are shown as the fixed
/// <see cref="SaslMask.Placeholder"/> followed by the allowed fields in brackets; challenges that hold no
/// secret are echoed followed by their decoded form in brackets. Implementations never throw.
/// </summary>
internal interface ISaslDescriber
{
    /// <summary>Mechanism name as the client sent it, upper-cased ("(invalid)" if it is not a valid SASL name).</summary>
    string Mechanism { get; }

    /// <summary>
    /// Describes a client payload: the initial response of <c>AUTH MECH ir</c> (<paramref name="isInitialResponse"/> true)
    /// or a continuation line sent after a 334 challenge. <paramref name="line"/> is the raw line without CRLF
    /// (normally base64, "=" for empty, "*" for cancel). Returns the replacement text for the whole line,
    /// e.g. <c>"******** [authzid=, user=alice, password=********]"</c>; <c>"*"</c> becomes
    /// <c>"* [client cancelled authentication]"</c> and <c>"="</c> becomes <c>"= [empty]"</c>.
    /// </summary>
    string DescribeClient(ReadOnlySpan<byte> line, bool isInitialResponse);

    /// <summary>
    /// Describes the text of a 334 challenge (the part after "334 "). Returns the replacement text,
    /// e.g. <c>"VXNlcm5hbWU6 [Username:]"</c>; secret parts of a challenge (SCRAM v=, DIGEST rspauth) are masked.
    /// </summary>
    string DescribeServer(ReadOnlySpan<byte> challenge);
}
