namespace SmtpTap.Commands;

/// <summary>A problem with what the user asked for; printed as one line, never with a stack trace.</summary>
internal sealed class UserInputException : Exception
{
    public UserInputException()
    {
    }

    public UserInputException(string message)
        : base(message)
    {
    }

    public UserInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
