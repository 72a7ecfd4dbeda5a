using System.Globalization;

namespace SmtpTap.Core.Relay;

/// <summary>Writes a relayed message, unstuffed, to an .eml file in --capture-dir (temp name until complete).</summary>
internal sealed class MessageTee : IAsyncDisposable
{
    private readonly FileStream _file;
    private readonly string _tempPath;
    private bool _completed;

    private MessageTee(string directory, string sessionId, int number)
    {
        FinalPath = Path.Combine(directory, IO.EmlFileName.Of(DateTimeOffset.UtcNow, sessionId + "-" + number.ToString(CultureInfo.InvariantCulture)));
        _tempPath = FinalPath + ".partial";
        _file = IO.PrivateFile.Open(_tempPath, FileMode.CreateNew, 64 * 1024, FileOptions.Asynchronous);
    }

    public string FinalPath { get; }

    public static MessageTee? Open(string? directory, string sessionId, int number)
    {
        if (directory is null)
        {
            return null;
        }

        Directory.CreateDirectory(directory);
        return new MessageTee(directory, sessionId, number);
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => _file.WriteAsync(data, cancellationToken);

    /// <summary>Writes a DATA line without its transparency dot (RFC 5321 section 4.5.2).</summary>
    public ValueTask WriteUnstuffedAsync(ReadOnlyMemory<byte> lineWithCrlf, CancellationToken cancellationToken) =>
        _file.WriteAsync(lineWithCrlf.Length > 2 && lineWithCrlf.Span[0] == (byte)'.' ? lineWithCrlf[1..] : lineWithCrlf, cancellationToken);

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await _file.FlushAsync(cancellationToken);
        await _file.DisposeAsync();
        File.Move(_tempPath, FinalPath, overwrite: false);
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync();
        if (!_completed)
        {
            File.Delete(_tempPath);
        }
    }
}
