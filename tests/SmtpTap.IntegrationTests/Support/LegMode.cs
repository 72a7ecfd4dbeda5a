namespace SmtpTap.IntegrationTests.Support;

/// <summary>How one leg of a session is secured.</summary>
public enum LegMode
{
    Plain,
    StartTls,
    Implicit,
}
