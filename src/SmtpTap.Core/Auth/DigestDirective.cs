namespace SmtpTap.Core.Auth;

/// <summary>One <c>name=value</c> directive of a DIGEST-MD5 message, as ranges into the decoded payload.</summary>
internal readonly record struct DigestDirective(Range Name, Range Value, bool Quoted);
