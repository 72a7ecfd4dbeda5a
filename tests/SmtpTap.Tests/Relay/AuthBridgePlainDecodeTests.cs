using System.Text;
using SmtpTap.Core.Relay;

namespace SmtpTap.Tests.Relay;

/// <summary>What the tap takes from an AUTH PLAIN payload when it bridges: user and password, or nothing (relayed unchanged).</summary>
public sealed class AuthBridgePlainDecodeTests
{
    [Theory]
    [InlineData("\0crm@contoso.com\0app-password", "crm@contoso.com", "app-password")]
    [InlineData("crm@contoso.com\0crm@contoso.com\0pw with spaces", "crm@contoso.com", "pw with spaces")]
    [InlineData("CRM@contoso.com\0crm@contoso.com\0p\u00e4ss", "crm@contoso.com", "p\u00e4ss")]
    public void TryDecodePlain_UserAndPassword(string payload, string user, string password)
    {
        Assert.True(AuthBridgeExchange.TryDecodePlain(B64(payload), out var decodedUser, out var decodedPassword));
        Assert.Equal(user, decodedUser);
        Assert.Equal(password, decodedPassword);
    }

    [Theory]
    [InlineData("admin\0crm@contoso.com\0pw")]
    [InlineData("\0\0pw")]
    [InlineData("\0crm@contoso.com\0")]
    [InlineData("\0crm@contoso.com\0pw\0extra")]
    [InlineData("no-nul-at-all")]
    public void TryDecodePlain_ProxyAuthorizationOrMalformed_NotBridged(string payload) =>
        Assert.False(AuthBridgeExchange.TryDecodePlain(B64(payload), out _, out _));

    [Theory]
    [InlineData("AGNybUBjb250b3NvLmNvbQBwdw")]
    [InlineData("AGNybUBjb250b3NvLmNvbQBwdw= =")]
    [InlineData("=")]
    public void TryDecodePlain_NotStrictBase64_NotBridged(string text) =>
        Assert.False(AuthBridgeExchange.TryDecodePlain(Encoding.ASCII.GetBytes(text), out _, out _));

    [Fact]
    public void TryDecodePlain_InvalidUtf8_NotBridged() =>
        Assert.False(AuthBridgeExchange.TryDecodePlain(Encoding.ASCII.GetBytes(Convert.ToBase64String([0, 0xC3, 0x28, 0, 0x41])), out _, out _));

    private static byte[] B64(string text) => Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)));
}
