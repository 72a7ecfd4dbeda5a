using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Relay;

/// <summary>One reply read from a leg: parsed, its exact bytes, and whether more bytes were already buffered behind it.</summary>
internal sealed record ReplyRead(SmtpReply Reply, byte[] Raw, long BufferedAfter)
{
    public bool MoreBuffered => BufferedAfter > 0;

    public override string ToString() => Reply.ToString();
}
