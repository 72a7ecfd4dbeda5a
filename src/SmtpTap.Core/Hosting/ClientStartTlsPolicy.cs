namespace SmtpTap.Core.Hosting;

/// <summary>When the tap offers STARTTLS to a plaintext client (--client-starttls).</summary>
internal enum ClientStartTlsPolicy
{
    /// <summary>
    /// As the server does: offered when the server offered STARTTLS (or speaks implicit TLS, or is the capture
    /// server), not when the server offers no TLS. An app that upgrades whenever STARTTLS is offered then behaves
    /// through the tap as it does directly.
    /// </summary>
    Mirror,

    /// <summary>Always offered (the tap's own certificate; the client must trust the tap's CA).</summary>
    Always,

    /// <summary>Never offered: the client leg stays plaintext.</summary>
    Never,
}
