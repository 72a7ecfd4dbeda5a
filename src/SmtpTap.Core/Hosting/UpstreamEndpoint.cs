namespace SmtpTap.Core.Hosting;

/// <summary>Where the tap relays to: <c>smtp://host[:port]</c>, <c>smtps://host[:port]</c>, or the built-in capture server.</summary>
internal sealed record UpstreamEndpoint(UpstreamKind Kind, string Host, int Port)
{
    public const string CaptureName = "capture";

    public static UpstreamEndpoint Capture { get; } = new(UpstreamKind.Capture, "localhost", 0);

    public bool ImplicitTls => Kind == UpstreamKind.Smtps;

    public string Url => Kind switch
    {
        UpstreamKind.Capture => Port == 0 ? CaptureName : $"capture (smtp://{Host}:{Port})",
        UpstreamKind.Smtps => $"smtps://{Host}:{Port}",
        _ => $"smtp://{Host}:{Port}",
    };

    public static bool TryParse(string text, out UpstreamEndpoint? endpoint, out string? error)
    {
        endpoint = null;
        if (string.Equals(text, CaptureName, StringComparison.OrdinalIgnoreCase))
        {
            endpoint = Capture;
            error = null;
            return true;
        }

        if (!EndpointUrl.TryParse(text, ["smtp", "smtps"], out var scheme, out var host, out var port, out error))
        {
            error = "--upstream " + error + " (or 'capture')";
            return false;
        }

        var implicitTls = scheme == "smtps";
        endpoint = new UpstreamEndpoint(implicitTls ? UpstreamKind.Smtps : UpstreamKind.Smtp, host, port ?? (implicitTls ? 465 : 25));
        return true;
    }
}
