using System.Text;

namespace SmtpTap.Tests.Support;

/// <summary>
/// Checks that a secret appears in no usual encoding in some output: raw, UTF-16LE (as text and hex),
/// hex, base64 at all three alignments (the part of the base64 that depends only on the secret's bits),
/// and base64 of the usual SASL wrappers. Depends on xunit and the BCL only, so other test projects can
/// link this file.
/// </summary>
internal static class SecretCanary
{
    public static IReadOnlyList<string> Forms(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var forms = new List<string> { secret };
        var utf8 = Encoding.UTF8.GetBytes(secret);
        var utf16 = Encoding.Unicode.GetBytes(secret);
        forms.Add(Encoding.Latin1.GetString(utf16));
        AddHex(forms, utf16);
        forms.AddRange(Forms(utf8).Skip(1));
        forms.Add(Convert.ToBase64String(Encoding.UTF8.GetBytes("\0user\0" + secret)));
        forms.Add(Convert.ToBase64String(Encoding.UTF8.GetBytes("user=user\u0001auth=Bearer " + secret + "\u0001\u0001")));
        return Distinct(forms);
    }

    /// <summary>Forms of a binary secret (an NTLM response, a session key): bytes as Latin-1 text, hex, base64 alignments.</summary>
    public static IReadOnlyList<string> Forms(byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var forms = new List<string> { Encoding.Latin1.GetString(secret) };
        AddHex(forms, secret);
        for (var prefix = 0; prefix < 3; prefix++)
        {
            var data = new byte[prefix + secret.Length];
            secret.CopyTo(data, prefix);
            var base64 = Convert.ToBase64String(data);
            var start = ((8 * prefix) + 5) / 6;
            var end = 8 * (prefix + secret.Length) / 6;
            if (end - start >= 4)
            {
                forms.Add(base64[start..end]);
            }
        }

        return Distinct(forms);
    }

    public static void AssertAbsent(string secret, string output) => AssertNone(Forms(secret), secret, output);

    public static void AssertAbsent(byte[] secret, string output) => AssertNone(Forms(secret), Convert.ToHexString(secret), output);

    private static void AssertNone(IReadOnlyList<string> forms, string label, string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var form in forms)
        {
            if (form.Length > 0 && output.Contains(form, StringComparison.Ordinal))
            {
                Assert.Fail($"Secret '{label}' leaked as '{form}' in: {output}");
            }
        }
    }

    private static void AddHex(List<string> forms, byte[] bytes)
    {
        var hex = Convert.ToHexString(bytes);
        forms.Add(hex);
        forms.Add(hex.ToLowerInvariant());
    }

    private static List<string> Distinct(List<string> forms) => forms.Where(f => f.Length > 0).Distinct(StringComparer.Ordinal).ToList();
}
