namespace SmtpTap.OAuth;

/// <summary>
/// The per-user SmtpTap home: <c>$SMTPTAP_HOME</c> when set (an absolute path), else
/// <c>ApplicationData/smtptap</c> (<c>~/.config/smtptap</c> on Linux). It never depends on the current folder.
/// </summary>
internal sealed class SmtpTapHome
{
    public const string EnvironmentVariable = "SMTPTAP_HOME";

    private SmtpTapHome(string path) => Path = path;

    public string Path { get; }

    public string AccountsFile => System.IO.Path.Combine(Path, "accounts.json");

    public string TokensDirectory => System.IO.Path.Combine(Path, "tokens");

    public string TokenFile(string account) => System.IO.Path.Combine(TokensDirectory, account + ".tokens");

    public string LoginLockFile(string account) => System.IO.Path.Combine(TokensDirectory, account + ".login-lock");

    public static SmtpTapHome Resolve(Func<string, string?> getEnvironment)
    {
        ArgumentNullException.ThrowIfNull(getEnvironment);
        var configured = getEnvironment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            if (!System.IO.Path.IsPathFullyQualified(configured))
            {
                throw new OAuthException($"{EnvironmentVariable} must be an absolute path (it is '{configured}')");
            }

            return new SmtpTapHome(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(configured)));
        }

        var appData = Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        if (string.IsNullOrEmpty(appData) || !System.IO.Path.IsPathFullyQualified(appData))
        {
            throw new OAuthException($"cannot find a per-user config folder for the SmtpTap home; set {EnvironmentVariable}");
        }

        return new SmtpTapHome(System.IO.Path.Combine(appData, "smtptap"));
    }

    public static SmtpTapHome At(string path) => new(System.IO.Path.GetFullPath(path));

    /// <summary>Creates the home and its token folder, readable only by the user on Unix.</summary>
    public void EnsureCreated()
    {
        CreatePrivateDirectory(Path);
        CreatePrivateDirectory(TokensDirectory);
    }

    internal static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Writes a file atomically (temp file + rename), mode 0600 on Unix from its creation on.</summary>
    internal static void WritePrivateFile(string path, ReadOnlySpan<byte> content)
    {
        var temp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
