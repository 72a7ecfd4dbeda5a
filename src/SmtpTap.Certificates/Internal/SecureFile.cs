using System.Text;

namespace SmtpTap.Certificates.Internal;

/// <summary>Writes files through a temporary name and a rename, so readers never see half a file.</summary>
internal static class SecureFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Writes a private key. On Unix the file is created with mode 0600 (never group/world readable,
    /// not even between create and chmod) and the mode is set again afterwards in case of an odd umask.
    /// </summary>
    public static void WriteSecret(string path, string text, bool overwrite) => Write(path, text, overwrite, secret: true);

    public static void WritePublic(string path, string text, bool overwrite) => Write(path, text, overwrite, secret: false);

    public static void WritePublic(string path, byte[] bytes, bool overwrite) => Write(path, bytes, overwrite, secret: false);

    private static void Write(string path, string text, bool overwrite, bool secret) =>
        Write(path, Encoding.ASCII.GetBytes(text), overwrite, secret);

    private static void Write(string path, byte[] bytes, bool overwrite, bool secret)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        System.IO.Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (secret && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            if (secret && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, OwnerOnly);
            }

            File.Move(temp, path, overwrite);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
