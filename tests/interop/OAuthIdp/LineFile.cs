using System.Text;

namespace SmtpTap.OAuthIdp;

/// <summary>An append-only text file written one line at a time from any thread (request log, canary list).</summary>
internal sealed class LineFile : IDisposable
{
    private readonly Lock _lock = new();
    private readonly StreamWriter? _writer;

    public LineFile(string? path, bool privateMode)
    {
        if (path is null)
        {
            return;
        }

        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
        if (privateMode && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        _writer = new StreamWriter(path, new UTF8Encoding(false), options) { AutoFlush = true };
    }

    public void Append(string line)
    {
        if (_writer is null)
        {
            return;
        }

        lock (_lock)
        {
            _writer.WriteLine(line);
        }
    }

    public void Dispose() => _writer?.Dispose();
}
