using System.Globalization;
using System.Security.Cryptography;

namespace SmtpTap.Core.IO;

/// <summary>
/// Names of stored .eml files: "yyyyMMdd-HHmmss-fff" (UTC) then this process's run tag then what identifies the message
/// within the run. Ids and session numbers start again with every process, so the run tag keeps two taps sharing a
/// --capture-dir (or a restart within the same millisecond) from ever picking the same name.
/// </summary>
internal static class EmlFileName
{
    /// <summary>Eight random hex digits, fixed for the life of the process.</summary>
    public static string RunTag { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <summary>"20260102-030405-678-RUNTAG-suffix.eml".</summary>
    public static string Of(DateTimeOffset time, string suffix) =>
        time.UtcDateTime.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture) + "-" + RunTag + "-" + suffix + ".eml";
}
