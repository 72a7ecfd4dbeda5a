namespace SmtpTap.Core.Relay;

/// <summary>
/// How an unexpected exception is named in outputs: its type and the method that threw it, never its message
/// (a message may quote input, and input may be a secret).
/// </summary>
internal static class InternalError
{
    public static string Describe(Exception ex)
    {
        var site = ex.TargetSite is { } method ? $" in {method.DeclaringType?.Name}.{method.Name}" : string.Empty;
        return ex.GetType().Name + site;
    }
}
