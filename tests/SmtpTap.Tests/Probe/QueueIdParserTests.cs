using SmtpTap.Core.Protocol;
using SmtpTap.Probe;

namespace SmtpTap.Tests.Probe;

public sealed class QueueIdParserTests
{
    [Theory]
    [InlineData("2.0.0 Ok: queued as 4XyZ1L2abcz", "4XyZ1L2abcz")]
    [InlineData("2.0.0 Ok: queued as 12", "12")]
    [InlineData("OK id=1uABCD-000123-XY", "1uABCD-000123-XY")]
    [InlineData("2.6.0 <53ea1be2-3d1a-4856-8bdf-3c576c14cfc0@mail.contoso.com> [InternalId=47975] Queued mail for delivery", "<53ea1be2-3d1a-4856-8bdf-3c576c14cfc0@mail.contoso.com>")]
    [InlineData("2.0.0 x1ABCDEF012345 Message accepted for delivery", "x1ABCDEF012345")]
    public void Parse_KnownServerForms_FindsTheId(string text, string id) =>
        Assert.Equal(id, QueueIdParser.Parse(SmtpReply.Single(250, text)));

    [Theory]
    [InlineData(250, "2.0.0 OK  1700000000 a1si123456abc.123 - gsmtp")]
    [InlineData(250, "2.0.0 OK")]
    [InlineData(554, "5.7.1 Message rejected: queued as nothing")]
    public void Parse_NoIdOrNotAccepted_ReturnsNull(int code, string text) =>
        Assert.Null(QueueIdParser.Parse(SmtpReply.Single(code, text)));
}
