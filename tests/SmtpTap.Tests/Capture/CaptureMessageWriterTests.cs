using System.Security.Cryptography;
using Serilog;
using SmtpTap.Core.Capture;

namespace SmtpTap.Tests.Capture;

public sealed class CaptureMessageWriterTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "smtptap-writer-" + Guid.NewGuid().ToString("N"));
    private readonly ILogger _logger = new LoggerConfiguration().CreateLogger();

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Complete_RenamesToTimestampAndIdAndHashesIncrementally()
    {
        await using var writer = new CaptureMessageWriter(_directory, keepInMemory: true, _logger);
        await writer.WriteAsync("Subject: a\r\n"u8.ToArray(), CancellationToken.None);
        await writer.WriteAsync("\r\nbody\r\n"u8.ToArray(), CancellationToken.None);

        var (path, sha, content) = await writer.CompleteAsync(7, new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero), CancellationToken.None);

        var expected = "Subject: a\r\n\r\nbody\r\n"u8.ToArray();
        Assert.Equal(Path.Combine(_directory, "20260102-030405-678-" + SmtpTap.Core.IO.EmlFileName.RunTag + "-7.eml"), path);
        Assert.Equal(expected, await File.ReadAllBytesAsync(path!));
        Assert.Equal(expected, content);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected)), sha);
        Assert.Equal(expected.Length, writer.Size);
        Assert.Single(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task Dispose_WithoutComplete_DeletesTheTemporaryFile()
    {
        var writer = new CaptureMessageWriter(_directory, keepInMemory: false, _logger);
        await writer.WriteAsync(new byte[100_000], CancellationToken.None);
        Assert.Single(Directory.GetFiles(_directory));

        await writer.DisposeAsync();

        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task WithoutDirectory_OnlyHashes()
    {
        await using var writer = new CaptureMessageWriter(null, keepInMemory: false, _logger);
        await writer.WriteAsync("x"u8.ToArray(), CancellationToken.None);
        var (path, sha, content) = await writer.CompleteAsync(1, DateTimeOffset.UnixEpoch, CancellationToken.None);
        Assert.Null(path);
        Assert.Null(content);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("x"u8)), sha);
    }
}
