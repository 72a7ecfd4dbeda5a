using SmtpTap.Core.Transcript;

namespace SmtpTap.Web;

/// <summary>What the web store keeps of one relayed message: its envelope and verdict (masked like the transcript) and where its bytes are.</summary>
/// <param name="Id">"SESSION-NUMBER" (s0001-1): unique within the process.</param>
/// <param name="FilePath">The .eml file (the capture server's, or the tap's --capture-dir copy); null when none was kept.</param>
internal sealed record StoredMessage(string Id, RelayedMessage Message, string? FilePath)
{
    public static string IdOf(string sessionId, int number) => sessionId + "-" + number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
