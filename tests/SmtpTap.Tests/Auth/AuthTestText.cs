using System.Text;
using SmtpTap.Core.Auth;

namespace SmtpTap.Tests.Auth;

/// <summary>Small helpers for building SASL lines in tests.</summary>
internal static class AuthTestText
{
    public static SaslMaskOptions Masked { get; } = new() { MaskUsernames = true };

    public static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public static string B64(byte[] bytes) => Convert.ToBase64String(bytes);

    public static string Client(this ISaslDescriber describer, string line, bool initial = false) =>
        describer.DescribeClient(Encoding.ASCII.GetBytes(line), initial);

    public static string Server(this ISaslDescriber describer, string text) =>
        describer.DescribeServer(Encoding.ASCII.GetBytes(text));

    public static ISaslDescriber Create(string mechanism, SaslMaskOptions? options = null) =>
        SaslDescriberFactory.Create(mechanism, options ?? SaslMaskOptions.Default);
}
