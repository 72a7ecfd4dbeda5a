namespace SmtpTap.Core.IO;

/// <summary>
/// Opens files that hold mail content (transcripts, captured messages, the log) readable and writable by the
/// owner only (0600 on Unix): they carry headers, and bodies with --show-body.
/// </summary>
internal static class PrivateFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static FileStream Open(string path, FileMode mode, int bufferSize, FileOptions options = FileOptions.None, FileShare share = FileShare.None)
    {
        var streamOptions = new FileStreamOptions
        {
            Mode = mode,
            Access = FileAccess.Write,
            Share = share,
            BufferSize = bufferSize,
            Options = options,
        };
        if (!OperatingSystem.IsWindows())
        {
            streamOptions.UnixCreateMode = OwnerOnly;
        }

        return new FileStream(path, streamOptions);
    }
}
