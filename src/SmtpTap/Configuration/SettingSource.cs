namespace SmtpTap.Configuration;

/// <summary>Where the effective value of a <c>proxy</c> option came from (later ones win).</summary>
internal enum SettingSource
{
    Default,
    File,
    Environment,
    CommandLine,
}
