namespace SmtpTap.Core.Capture;

/// <summary>A server-side SASL exchange in progress. Immutable: each response yields the next exchange.</summary>
internal abstract record SaslExchange
{
    /// <summary>Handles one decoded client response (the processor handles "*" and base64 errors).</summary>
    public abstract SaslStep Respond(byte[] response, SaslContext context);
}
