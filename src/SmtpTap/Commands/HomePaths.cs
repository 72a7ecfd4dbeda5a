using SmtpTap.OAuth;

namespace SmtpTap.Commands;

/// <summary>
/// Defaults that live in the per-user SmtpTap home (<c>$SMTPTAP_HOME</c>, else the platform's per-user config folder,
/// e.g. <c>~/.config/smtptap</c>), so starting from another folder never creates a second CA silently.
/// </summary>
internal static class HomePaths
{
    /// <summary>The local CA's folder: <c>HOME/certs</c>.</summary>
    public static string DefaultCertDirectory
    {
        get
        {
            try
            {
                return Path.Combine(SmtpTapHome.Resolve(Environment.GetEnvironmentVariable).Path, "certs");
            }
            catch (OAuthException)
            {
                // SMTPTAP_HOME is relative (reported once by Program) or there is no per-user folder: the current folder.
                return "certs";
            }
        }
    }

    /// <summary>The default transcripts folder (<c>--transcripts</c> without a value): <c>HOME/transcripts</c>.</summary>
    public static string DefaultTranscriptDirectory => Path.Combine(Path.GetDirectoryName(DefaultCertDirectory) is { Length: > 0 } home ? home : ".", "transcripts");

    /// <summary>One line if SMTPTAP_HOME is set but unusable, else null.</summary>
    public static string? Problem()
    {
        try
        {
            SmtpTapHome.Resolve(Environment.GetEnvironmentVariable);
            return null;
        }
        catch (OAuthException ex)
        {
            return ex.Message;
        }
    }
}
