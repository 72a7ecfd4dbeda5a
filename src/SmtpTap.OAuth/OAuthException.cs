namespace SmtpTap.OAuth;

/// <summary>An OAuth2 or account problem the user can act on; its message is one line and never holds a secret.</summary>
internal class OAuthException : Exception
{
    public OAuthException()
    {
    }

    public OAuthException(string message)
        : base(message)
    {
    }

    public OAuthException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The app password does not open the token store (AES-GCM authentication failed).</summary>
internal sealed class WrongAppPasswordException : OAuthException
{
    public WrongAppPasswordException()
    {
    }

    public WrongAppPasswordException(string message)
        : base(message)
    {
    }

    public WrongAppPasswordException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
