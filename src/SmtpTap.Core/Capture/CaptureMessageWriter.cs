using System.Globalization;
using System.Security.Cryptography;
using Serilog;

namespace SmtpTap.Core.Capture;

/// <summary>
/// Streams one message's content to a temporary file (renamed to its final .eml name on completion, deleted on abort)
/// while hashing it with SHA-256; optionally keeps a copy in memory. A storage failure is remembered, not thrown,
/// so the session can keep reading the client's data and answer 451 at the end.
/// </summary>
internal sealed class CaptureMessageWriter : IAsyncDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly string? _directory;
    private readonly ILogger _logger;
    private FileStream? _file;
    private string? _tempPath;
    private MemoryStream? _memory;

    public CaptureMessageWriter(string? directory, bool keepInMemory, ILogger logger)
    {
        _directory = directory;
        _logger = logger;
        _memory = keepInMemory ? new MemoryStream() : null;
    }

    public long Size { get; private set; }

    public bool Failed { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (Failed || data.IsEmpty)
        {
            return;
        }

        Size += data.Length;
        _hash.AppendData(data.Span);
        _memory?.Write(data.Span);
        if (_directory is null)
        {
            return;
        }

        try
        {
            _file ??= OpenTemporaryFile(_directory);
            await _file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.Error(ex, "Capture file {TempPath} could not be written", _tempPath);
            Failed = true;
            await DeleteTemporaryFileAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Finishes the file (rename to "yyyyMMdd-HHmmss-fff-run-id.eml", UTC time: see <see cref="IO.EmlFileName"/>) and returns its path, hash and content.</summary>
    public async Task<(string? FilePath, string Sha256Hex, byte[]? Content)> CompleteAsync(long messageId, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var sha = Convert.ToHexStringLower(_hash.GetHashAndReset());
        var content = _memory?.ToArray();
        if (_directory is null)
        {
            return (null, sha, content);
        }

        _file ??= OpenTemporaryFile(_directory);
        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
        _file = null;
        var name = IO.EmlFileName.Of(receivedAt, messageId.ToString(CultureInfo.InvariantCulture));
        var finalPath = Path.Combine(_directory, name);
        File.Move(_tempPath!, finalPath);
        _tempPath = null;
        return (finalPath, sha, content);
    }

    public async ValueTask DisposeAsync()
    {
        await DeleteTemporaryFileAsync().ConfigureAwait(false);
        _hash.Dispose();
        if (_memory is not null)
        {
            await _memory.DisposeAsync().ConfigureAwait(false);
            _memory = null;
        }
    }

    private FileStream OpenTemporaryFile(string directory)
    {
        Directory.CreateDirectory(directory);
        _tempPath = Path.Combine(directory, "." + Guid.NewGuid().ToString("N") + ".eml.tmp");
        return IO.PrivateFile.Open(_tempPath, FileMode.CreateNew, 64 * 1024, FileOptions.Asynchronous);
    }

    private async ValueTask DeleteTemporaryFileAsync()
    {
        if (_file is not null)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
            _file = null;
        }

        if (_tempPath is not null)
        {
            try
            {
                File.Delete(_tempPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _logger.Warning(ex, "Temporary capture file {TempPath} could not be deleted", _tempPath);
            }

            _tempPath = null;
        }
    }
}
