namespace SmtpTap.Certificates.Internal;

/// <summary>This machine's name, reduced to characters that read well inside a certificate subject.</summary>
internal static class MachineName
{
    private const int MaxLength = 40;

    public static string ForSubject()
    {
        string raw;
        try
        {
            raw = Environment.MachineName;
        }
        catch (InvalidOperationException)
        {
            raw = "";
        }

        var clean = new string([.. raw.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')]);
        if (clean.Length > MaxLength)
        {
            clean = clean[..MaxLength];
        }

        return clean.Length == 0 ? "localhost" : clean;
    }
}
