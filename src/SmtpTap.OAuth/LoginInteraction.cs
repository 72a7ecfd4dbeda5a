namespace SmtpTap.OAuth;

/// <summary>How a login talks to the person: lines to show, and whether to open a browser.</summary>
internal sealed record LoginInteraction
{
    public required TextWriter Output { get; init; }

    /// <summary>Try to open the URL in the system browser; false when there is none (the URL is printed anyway).</summary>
    public Func<string, bool>? OpenBrowser { get; init; }

    /// <summary>How long the browser flow waits for the redirect.</summary>
    public TimeSpan BrowserTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Waits between device-code polls; tests pass a recording fake.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = Task.Delay;
}
