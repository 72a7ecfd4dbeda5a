namespace SmtpTap.Tests.Support;

/// <summary>
/// Catalogue case B8: fake end-of-data sequences (SEC Consult's SMTP smuggling variants). Shared by the parser tests
/// and the relay tests (linked into the integration test project) so both always cover the same list.
/// </summary>
internal static class SmugglingVariants
{
    public static TheoryData<string> FakeEndOfData =>
    [
        "\n.\n",
        "\n.\r\n",
        "\r.\n",
        "\r.\r",
        "\r.\r\n",
        "\n.\r",
        "\r\n.\n",
        "\r\n.\r",
        "\r\n\0.\r\n",
        "\r\n.\r\r\n",
        "\r\r\n.\r\r\n",
    ];
}
