namespace SmtpTap.Core.Hosting;

/// <summary>--upstream-tls for smtp:// upstreams (smtps:// is always TLS).</summary>
internal enum UpstreamTlsPolicy
{
    /// <summary>STARTTLS whenever the server offers it, also when the client speaks plain.</summary>
    Auto,

    /// <summary>STARTTLS or fail closed with a 4xx to the client.</summary>
    Required,

    /// <summary>Never upgrade the upstream leg.</summary>
    None,
}
