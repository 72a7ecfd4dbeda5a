namespace SmtpTap.OAuth;

/// <summary>
/// One login per account at a time, across processes: an exclusive lock on <c>tokens/NAME.login-lock</c> (an empty
/// file). The file is left in place on release: deleting it would let a waiting process lock an unlinked file while a
/// third one locks a new one.
/// </summary>
internal sealed class LoginLock : IDisposable
{
    private readonly FileStream _stream;

    private LoginLock(FileStream stream) => _stream = stream;

    public static LoginLock Acquire(SmtpTapHome home, string account)
    {
        ArgumentNullException.ThrowIfNull(home);
        home.EnsureCreated();
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            return new LoginLock(new FileStream(home.LoginLockFile(account), options));
        }
        catch (IOException ex)
        {
            throw new OAuthException($"another login for account '{account}' is in progress; finish or stop it first", ex);
        }
    }

    public void Dispose() => _stream.Dispose();
}
