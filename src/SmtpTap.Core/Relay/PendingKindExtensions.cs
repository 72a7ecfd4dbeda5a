namespace SmtpTap.Core.Relay;

internal static class PendingKindExtensions
{
    /// <summary>The end of a message: DATA's final dot or <c>BDAT … LAST</c>; its reply is the server's verdict on the message.</summary>
    public static bool IsEndOfData(this PendingKind kind) => kind is PendingKind.EndOfData or PendingKind.BdatLast;
}
