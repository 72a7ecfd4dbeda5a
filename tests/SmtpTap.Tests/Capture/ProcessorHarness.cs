using System.Net;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Certificates;
using SmtpTap.Core.Capture;

namespace SmtpTap.Tests.Capture;

/// <summary>Drives the pure command processor line by line, keeping the state between steps.</summary>
internal sealed class ProcessorHarness
{
    private readonly CaptureCommandProcessor _processor;

    public ProcessorHarness(CaptureServerOptions? options = null, bool tls = false)
    {
        Options = options ?? Defaults();
        _processor = new CaptureCommandProcessor(Options, TimeProvider.System, span => span.Fill(0x42));
        State = CaptureSessionState.Initial(tls);
    }

    public CaptureServerOptions Options { get; }

    public CaptureSessionState State { get; private set; }

    public static CaptureServerOptions Defaults() => new() { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) };

    public static IServerCertificateSource NoCertificate { get; } = new UnusedCertificateSource();

    public CaptureStep Send(string line)
    {
        var step = _processor.Process(State, line);
        State = step.State;
        return step;
    }

    /// <summary>Sends a line and returns "code text" of the (single-line) reply.</summary>
    public string Reply(string line) => Format(Send(line));

    public static string Format(CaptureStep step) =>
        step.Reply is null ? "(none)" : step.Reply.Code + " " + string.Join("|", step.Reply.Lines);

    private sealed class UnusedCertificateSource : IServerCertificateSource
    {
        public X509Certificate2 GetCertificate(string? serverName) => throw new InvalidOperationException("not used in unit tests");
    }
}
