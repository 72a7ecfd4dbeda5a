using System.Net;
using SmtpTap.Commands;
using SmtpTap.Core.Hosting;
using SmtpTap.Core.ProxyProtocol;

namespace SmtpTap.Tests.ProxyProtocol;

/// <summary>--trusted-proxy, ?proxy-protocol= on --listen, and the loopback default.</summary>
public sealed class TrustedProxiesTests
{
    private static (bool Ok, ProxySettings? Settings, string? Problem) Build(params string[] args)
    {
        var parse = RootCommandFactory.Create().Parse(["proxy", .. args]);
        var ok = ProxyCommand.TryBuild(parse, out var settings, out var problem);
        return (ok, settings, problem);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.255.0.9", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("10.0.0.1", false)]
    [InlineData("::2", false)]
    public void Default_IsLoopbackOnly(string address, bool trusted)
    {
        Assert.Equal(trusted, TrustedProxies.Loopback.Contains(IPAddress.Parse(address)));
    }

    [Fact]
    public void TrustedProxy_RepeatedCidrsAndSingleAddresses_ReplaceTheDefault()
    {
        var (ok, settings, problem) = Build("--listen", "smtp://0.0.0.0:2525?proxy-protocol=v2", "--trusted-proxy", "10.1.0.0/16", "--trusted-proxy", "192.0.2.10", "--trusted-proxy", "fd00::/8");
        Assert.True(ok, problem);
        var trusted = settings!.TrustedProxies;
        Assert.True(trusted.Contains(IPAddress.Parse("10.1.200.3")));
        Assert.True(trusted.Contains(IPAddress.Parse("::ffff:10.1.0.1")));
        Assert.True(trusted.Contains(IPAddress.Parse("192.0.2.10")));
        Assert.False(trusted.Contains(IPAddress.Parse("192.0.2.11")));
        Assert.True(trusted.Contains(IPAddress.Parse("fd12::1")));
        Assert.False(trusted.Contains(IPAddress.Parse("127.0.0.1")));
    }

    [Fact]
    public void NoTrustedProxyOption_LoopbackDefault()
    {
        var (ok, settings, _) = Build("--listen", "smtp://0.0.0.0:2525?proxy-protocol=v1");
        Assert.True(ok);
        Assert.Same(TrustedProxies.Loopback, settings!.TrustedProxies);
        Assert.Equal(ProxyProtocolVersion.V1, settings.Listeners[0].ProxyProtocol);
    }

    [Theory]
    [InlineData("10.0.0.1/8", "bits set past /8; did you mean 10.0.0.0/8?")]
    [InlineData("10.0.0.0/33", "prefix length must be a number from 0 to 32")]
    [InlineData("fd00::/129", "from 0 to 128")]
    [InlineData("10.0.0.0/x", "prefix length")]
    [InlineData("proxy.example", "not an IP address or CIDR")]
    public void TrustedProxy_Bad_OneClearLine(string value, string why)
    {
        var (ok, _, problem) = Build("--listen", "smtp://0.0.0.0:2525?proxy-protocol=v2", "--trusted-proxy", value);
        Assert.False(ok);
        Assert.StartsWith("--trusted-proxy " + value + ": ", problem, StringComparison.Ordinal);
        Assert.Contains(why, problem, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TrustedProxy_WithoutAProxyProtocolListener_IsAUsageError()
    {
        var (ok, _, problem) = Build("--listen", "smtp://127.0.0.1:2525", "--trusted-proxy", "10.0.0.0/8");
        Assert.False(ok);
        Assert.Contains("needs a listener that reads PROXY headers", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("smtp://0.0.0.0:2525?proxy-protocol=v2", false, "V2")]
    [InlineData("smtps://[::]:4650?proxy-protocol=V1", true, "V1")]
    [InlineData("smtp://127.0.0.1:2525", false, "None")]
    public void Listener_ProxyProtocolParameter(string url, bool implicitTls, string version)
    {
        Assert.True(ListenerEndpoint.TryParse(url, out var endpoint, out var error), error);
        Assert.Equal(implicitTls, endpoint!.ImplicitTls);
        Assert.Equal(Enum.Parse<ProxyProtocolVersion>(version), endpoint.ProxyProtocol);
        Assert.Equal(url.Replace("V1", "v1", StringComparison.Ordinal), endpoint.Url);
    }

    [Theory]
    [InlineData("smtp://0.0.0.0:2525?proxy-protocol=v3", "proxy-protocol must be v1 or v2, not 'v3'")]
    [InlineData("smtp://0.0.0.0:2525?proxy-protocol", "proxy-protocol must be v1 or v2, not ''")]
    [InlineData("smtp://0.0.0.0:2525?proxy=v2", "unknown parameter 'proxy'")]
    public void Listener_BadProxyProtocolParameter_OneClearLine(string url, string why)
    {
        Assert.False(ListenerEndpoint.TryParse(url, out _, out var error));
        Assert.Contains(why, error, StringComparison.Ordinal);
    }
}
