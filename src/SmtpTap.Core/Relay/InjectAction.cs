using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Relay;

/// <summary>What the pump does next for a session on an <c>--inject-auth</c> listener.</summary>
internal enum InjectActionKind
{
    /// <summary>Forward the client's command to the server as usual.</summary>
    Relay,

    /// <summary>Send the tap's own EHLO upstream first (the client greeted with HELO, or not at all): AUTH needs ESMTP.</summary>
    Greet,

    /// <summary>Ask the injector for credentials (the tap is about to authenticate upstream).</summary>
    GetCredentials,

    /// <summary>Run the tap's own AUTH exchange upstream with the credentials just obtained.</summary>
    Authenticate,

    /// <summary>Answer the client with <see cref="InjectAction.Reply"/> and write <see cref="InjectAction.Why"/> to the transcript; the command is not forwarded.</summary>
    Refuse,
}

/// <summary>One decision of <see cref="InjectAuthPolicy"/>: an action, and for a refusal the reply and the transcript line.</summary>
internal sealed record InjectAction(InjectActionKind Kind, SmtpReply? Reply = null, string? Why = null)
{
    public static readonly InjectAction Relay = new(InjectActionKind.Relay);
    public static readonly InjectAction Greet = new(InjectActionKind.Greet);
    public static readonly InjectAction GetCredentials = new(InjectActionKind.GetCredentials);
    public static readonly InjectAction Authenticate = new(InjectActionKind.Authenticate);

    public static InjectAction Refuse(int code, string text, string why) => new(InjectActionKind.Refuse, SmtpReply.Single(code, text), why);
}
