namespace SmtpTap.Commands;

/// <summary>
/// Checks the folders and files named on the command line before anything starts, so a bad path is one clear line
/// (and exit 2) at once, not a stack trace or a failure at the first session or message.
/// </summary>
internal static class PathChecks
{
    /// <summary>The folder exists or can be created, and a file can be written in it.</summary>
    public static void WritableDirectory(string path, string option)
    {
        if (File.Exists(path))
        {
            throw new UserInputException($"{option} {path}: this is a file, not a folder");
        }

        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UserInputException($"{option} {path}: cannot create the folder ({Reason(ex)})");
        }

        var probe = Path.Combine(path, $".smtptap-write-check-{Environment.ProcessId}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{option} {path}: cannot write in this folder ({Reason(ex)})");
        }
    }

    /// <summary>The file can be opened for appending (its folder is created if needed); a new file is created 0600.</summary>
    public static void WritableFile(string path, string option)
    {
        if (Directory.Exists(path))
        {
            throw new UserInputException($"{option} {path}: this is a folder, not a file");
        }

        try
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            using (Core.IO.PrivateFile.Open(path, FileMode.Append, 1, share: FileShare.ReadWrite))
            {
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UserInputException($"{option} {path}: cannot write this file ({Reason(ex)})");
        }
    }

    /// <summary>The .NET message without the path it repeats (the line already names it).</summary>
    private static string Reason(Exception ex) => ex switch
    {
        UnauthorizedAccessException => "permission denied",
        FileNotFoundException or DirectoryNotFoundException => "a folder on the way does not exist or cannot be created",
        _ when ex.Message.Contains("Not a directory", StringComparison.OrdinalIgnoreCase) => "a part of the path is a file, not a folder",
        _ when ex.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase) => "read-only file system",
        _ when ex.Message.Contains("already exists", StringComparison.OrdinalIgnoreCase) => "a part of the path is a file, not a folder",
        _ => ex.Message.ReplaceLineEndings(" ").Trim(),
    };
}
