using SmtpTap.Core.Protocol;

namespace SmtpTap.IntegrationTests.Support;

/// <summary>A reply a scripted upstream sends, prebuilt as wire text.</summary>
internal sealed class ScriptedReply(int code, IReadOnlyList<string> lines)
{
    public string Wire { get; } = new SmtpReply(code, lines).ToWireString();
}
