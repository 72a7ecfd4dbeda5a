using SmtpTap.OAuth;

namespace SmtpTap.Commands;

/// <summary>
/// The app password: the password the legacy app will send to SmtpTap for an account, and the key to its token
/// store. From <c>--app-password-env VAR</c>, or a prompt without echo (twice when it is set).
/// </summary>
internal static class AppPasswordReader
{
    public const int MinimumLength = 8;

    /// <summary>Checks before a login starts that a password can be had, so no sign-in is wasted.</summary>
    public static void CheckAvailable(ProbeInput input, string? environmentVariable)
    {
        if (environmentVariable is not null)
        {
            _ = FromEnvironment(input, environmentVariable);
        }
        else if (!input.CanPrompt)
        {
            throw new OAuthException("no terminal to ask the app password; use --app-password-env VAR");
        }
    }

    public static string ReadNew(ProbeInput input, string? environmentVariable, string account, TextWriter messages)
    {
        if (environmentVariable is not null)
        {
            return FromEnvironment(input, environmentVariable);
        }

        ArgumentNullException.ThrowIfNull(messages);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var first = input.PromptWithoutEcho($"App password for account {account} (the password your app will send to SmtpTap): ") ?? "";
            if (first.Length < MinimumLength)
            {
                messages.WriteLine($"The app password needs at least {MinimumLength} characters; try again.");
                continue;
            }

            var second = input.PromptWithoutEcho("Same app password again: ") ?? "";
            if (string.Equals(first, second, StringComparison.Ordinal))
            {
                return first;
            }

            messages.WriteLine("The two entries differ; try again.");
        }

        throw new OAuthException("no app password set (three attempts); nothing was stored, run the login again");
    }

    public static string ReadExisting(ProbeInput input, string? environmentVariable, string account)
    {
        if (environmentVariable is not null)
        {
            return FromEnvironment(input, environmentVariable);
        }

        if (!input.CanPrompt)
        {
            throw new OAuthException("no terminal to ask the app password; use --app-password-env VAR");
        }

        return input.PromptWithoutEcho($"App password for account {account}: ") ?? "";
    }

    private static string FromEnvironment(ProbeInput input, string variable)
    {
        var value = input.GetEnvironment(variable);
        if (string.IsNullOrEmpty(value))
        {
            throw new OAuthException($"environment variable {variable} (--app-password-env) is not set");
        }

        if (value.Length < MinimumLength)
        {
            throw new OAuthException($"the app password in {variable} is shorter than {MinimumLength} characters");
        }

        return value;
    }
}
