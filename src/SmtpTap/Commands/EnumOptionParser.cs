using System.CommandLine.Parsing;

namespace SmtpTap.Commands;

/// <summary>Parses an enum option case-insensitively; a wrong value is one line listing the accepted words (no .NET type names).</summary>
internal static class EnumOptionParser
{
    public static Func<ArgumentResult, T> For<T>(string option)
        where T : struct, Enum => result =>
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (!text.All(char.IsAsciiDigit) && Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value))
        {
            return value;
        }

        result.AddError($"{option} must be {Words<T>()}, not '{text}'");
        return default;
    };

    public static string Words<T>()
        where T : struct, Enum
    {
        var names = Enum.GetNames<T>().Select(n => n.ToLowerInvariant()).ToArray();
        return names.Length == 1 ? names[0] : string.Join(", ", names[..^1]) + " or " + names[^1];
    }
}
