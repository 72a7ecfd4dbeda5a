namespace SmtpTap.Core.Capture;

/// <summary>Base64 decoding that rejects whitespace, characters outside the alphabet and misplaced padding (RFC 4954 §4).</summary>
internal static class StrictBase64
{
    public static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length % 4 != 0)
        {
            return false;
        }

        var padding = text.EndsWith("==", StringComparison.Ordinal) ? 2 : text.EndsWith('=') ? 1 : 0;
        for (var i = 0; i < text.Length - padding; i++)
        {
            var c = text[i];
            var valid = c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '+' or '/';
            if (!valid)
            {
                return false;
            }
        }

        bytes = Convert.FromBase64String(text);
        return true;
    }
}
