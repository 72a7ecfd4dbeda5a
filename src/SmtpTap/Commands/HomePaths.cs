using SmtpTap.OAuth;

namespace SmtpTap.Commands;

/// <summary>
/// Defaults that live in the per-user SmtpTap home (<c>$SMTPTAP_HOME</c>, else the platform's per-user config folder,
/// e.g. <c>~/.config/smtptap</c>), so starting from another folder never creates a second CA silently.
/// </summary>
internal static class HomePaths
{
    /// <summary>The local CA's folder: <c>HOME/certs</c>.</summary>
    public static string DefaultCertDirectory => InHome("certs");

    /// <summary>The default transcripts folder (<c>--transcripts</c> without a value): <c>HOME/transcripts</c>.</summary>
    public static string DefaultTranscriptDirectory => InHome("transcripts");

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

    private static string InHome(string folder)
    {
        try
        {
            return Path.Combine(SmtpTapHome.Resolve(Environment.GetEnvironmentVariable).Path, folder);
        }
        catch (OAuthException)
        {
            // SMTPTAP_HOME is relative (reported once by Program) or there is no per-user folder: the current folder.
            return folder;
        }
    }
}
