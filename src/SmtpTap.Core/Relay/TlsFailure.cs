using System.Security.Authentication;

namespace SmtpTap.Core.Relay;

/// <summary>One readable line for a failed TLS handshake.</summary>
internal static class TlsFailure
{
    public static string Describe(Exception ex) => ex switch
    {
        OperationCanceledException => "timed out",
        AuthenticationException a when a.InnerException is not null => a.Message + " (" + a.InnerException.Message + ")",
        _ => ex.Message,
    };
}
