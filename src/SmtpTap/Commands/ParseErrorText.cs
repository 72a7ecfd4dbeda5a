using System.Text.RegularExpressions;

namespace SmtpTap.Commands;

/// <summary>System.CommandLine's parse errors without .NET type names ("as expected type 'System.Int32'").</summary>
internal static partial class ParseErrorText
{
    public static string Plain(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var match = CannotParse().Match(message);
        if (!match.Success)
        {
            return message.ReplaceLineEndings(" ").Trim();
        }

        var what = match.Groups["type"].Value switch
        {
            "System.Int32" or "System.Int64" => "a whole number",
            "System.Boolean" => "true or false",
            _ => "a valid value",
        };
        return $"{match.Groups["option"].Value} must be {what}, not '{match.Groups["value"].Value}'";
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']*)' as expected type '(?<type>[^']*)'")]
    private static partial Regex CannotParse();
}
