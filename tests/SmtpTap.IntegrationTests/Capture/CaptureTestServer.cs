using System.Net;
using Serilog;
using SmtpTap.Core.Capture;

namespace SmtpTap.IntegrationTests.Capture;

/// <summary>A started capture server on 127.0.0.1:0 with its own temporary capture directory, removed on dispose.</summary>
internal sealed class CaptureTestServer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private CaptureTestServer(CaptureServer server, string directory)
    {
        Server = server;
        Directory = directory;
    }

    public CaptureServer Server { get; }

    public string Directory { get; }

    public int Port => Server.EndPoint.Port;

    public static async Task<CaptureTestServer> StartAsync(Func<CaptureServerOptions, CaptureServerOptions>? configure = null, ILogger? logger = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "smtptap-capture-" + Guid.NewGuid().ToString("N"));
        var options = new CaptureServerOptions
        {
            EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            CaptureDirectory = directory,
        };
        options = configure?.Invoke(options) ?? options;
        var server = new CaptureServer(options, logger ?? new LoggerConfiguration().CreateLogger());
        await server.StartAsync(CancellationToken.None).WaitAsync(Timeout);
        return new CaptureTestServer(server, directory);
    }

    public async Task<CapturedMessage> SingleMessageAsync()
    {
        var messages = await Server.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(Timeout);
        return Assert.Single(messages);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync().AsTask().WaitAsync(Timeout);
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
