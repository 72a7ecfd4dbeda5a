namespace SmtpTap.Core.Protocol;

/// <summary>The reply the client gets for its EHLO and the list of changes made to the server's reply.</summary>
internal sealed record EhloRewrite(SmtpReply Reply, IReadOnlyList<string> Changes)
{
    public bool Changed => Changes.Count > 0;
}
