using SmtpTap.OAuth;

namespace SmtpTap.Tests.OAuth;

public sealed class ProviderPresetsTests
{
    private static AccountRequest Request(OAuthProvider provider, OAuthFlow? flow = null) => new()
    {
        Name = "work",
        Provider = provider,
        ClientId = "00000000-0000-0000-0000-000000000001",
        User = "crm@contoso.com",
        Flow = flow,
    };

    [Fact]
    public void Microsoft_TenantEndpointsAndSmtpScope()
    {
        var account = ProviderPresets.Build(Request(OAuthProvider.Microsoft) with { Tenant = "contoso.onmicrosoft.com" });

        Assert.Equal("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize", account.AuthorizeEndpoint);
        Assert.Equal("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token", account.TokenEndpoint);
        Assert.Equal("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode", account.DeviceEndpoint);
        Assert.Equal(["https://outlook.office.com/SMTP.Send", "offline_access"], account.Scopes);
        Assert.Equal(OAuthFlow.Browser, account.Flow);
    }

    [Fact]
    public void Microsoft_DefaultTenantIsCommon()
    {
        var account = ProviderPresets.Build(Request(OAuthProvider.Microsoft, OAuthFlow.Device));

        Assert.Equal("common", account.Tenant);
        Assert.StartsWith("https://login.microsoftonline.com/common/oauth2/v2.0/", account.TokenEndpoint, StringComparison.Ordinal);
    }

    [Fact]
    public void Microsoft_ClientCredentials_NeedsATenantAndUsesTheDefaultScope()
    {
        var request = Request(OAuthProvider.Microsoft, OAuthFlow.ClientCredentials) with { ClientSecretEnv = "MS_SECRET" };

        var ex = Assert.Throws<OAuthException>(() => ProviderPresets.Build(request));
        var account = ProviderPresets.Build(request with { Tenant = "contoso.onmicrosoft.com" });

        Assert.Contains("needs --tenant", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["https://outlook.office365.com/.default"], account.Scopes);
        Assert.Equal("MS_SECRET", account.ClientSecretEnv);
    }

    [Fact]
    public void Google_EndpointsAndMailScope()
    {
        var account = ProviderPresets.Build(Request(OAuthProvider.Google, OAuthFlow.Browser));

        Assert.Equal("https://accounts.google.com/o/oauth2/v2/auth", account.AuthorizeEndpoint);
        Assert.Equal("https://oauth2.googleapis.com/token", account.TokenEndpoint);
        Assert.Equal("https://oauth2.googleapis.com/device/code", account.DeviceEndpoint);
        Assert.Equal(["https://mail.google.com/"], account.Scopes);
    }

    [Fact]
    public void ExplicitScopes_ReplaceTheDefaultAndSplitOnSpaces()
    {
        var account = ProviderPresets.Build(Request(OAuthProvider.Google) with { Scopes = ["https://mail.google.com/ openid", "openid"] });

        Assert.Equal(["https://mail.google.com/", "openid"], account.Scopes);
    }

    [Theory]
    [InlineData("google-client-credentials", "--flow client-credentials is not available with Google")]
    [InlineData("google-device-mail-scope", "--flow device cannot get Google's mail scope")]
    [InlineData("client-credentials-without-secret", "--flow client-credentials needs --client-secret-env VAR")]
    [InlineData("tenant-on-google", "--tenant is for --provider microsoft only")]
    [InlineData("endpoint-on-microsoft", "--provider microsoft sets its own endpoints")]
    [InlineData("generic-without-token-endpoint", "--provider generic needs --token-endpoint URL (or --issuer URL for OpenID discovery)")]
    [InlineData("generic-browser-without-authorize", "--flow browser needs --authorize-endpoint URL")]
    [InlineData("generic-device-without-device", "--flow device needs --device-endpoint URL")]
    [InlineData("generic-plain-http", "--token-endpoint must use https (plain http is allowed on loopback only)")]
    [InlineData("generic-without-scope", "--provider generic needs at least one --scope")]
    [InlineData("bad-name", "account name 'a/b' is not valid")]
    [InlineData("bad-user", "--user 'crm' is not a mail address")]
    [InlineData("secret-value-instead-of-name", "--client-secret-env takes the NAME of an environment variable")]
    public void WrongOptions_OneClearLine(string @case, string expected)
    {
        var generic = Request(OAuthProvider.Generic) with { Scopes = ["smtp"] };
        var request = @case switch
        {
            "google-client-credentials" => Request(OAuthProvider.Google, OAuthFlow.ClientCredentials) with { ClientSecretEnv = "S" },
            "google-device-mail-scope" => Request(OAuthProvider.Google, OAuthFlow.Device),
            "client-credentials-without-secret" => Request(OAuthProvider.Microsoft, OAuthFlow.ClientCredentials) with { Tenant = "contoso" },
            "tenant-on-google" => Request(OAuthProvider.Google) with { Tenant = "contoso" },
            "endpoint-on-microsoft" => Request(OAuthProvider.Microsoft) with { TokenEndpoint = "https://idp.example/token" },
            "generic-without-token-endpoint" => generic,
            "generic-browser-without-authorize" => generic with { TokenEndpoint = "https://idp.example/token" },
            "generic-device-without-device" => generic with { TokenEndpoint = "https://idp.example/token", Flow = OAuthFlow.Device },
            "generic-plain-http" => generic with { TokenEndpoint = "http://idp.example/token", Flow = OAuthFlow.ClientCredentials, ClientSecretEnv = "S" },
            "generic-without-scope" => generic with { TokenEndpoint = "https://idp.example/token", Flow = OAuthFlow.ClientCredentials, ClientSecretEnv = "S", Scopes = [] },
            "bad-name" => generic with { Name = "a/b" },
            "bad-user" => generic with { User = "crm" },
            _ => generic with { ClientSecretEnv = "s3cr3t-value!" },
        };

        var ex = Assert.Throws<OAuthException>(() => ProviderPresets.Build(request));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void ClientSecretPastedInsteadOfTheVariableName_NotEchoed()
    {
        var ex = Assert.Throws<OAuthException>(() => ProviderPresets.Build(Request(OAuthProvider.Google) with { ClientSecretEnv = "GOCSPX-pasted~secret.value" }));

        Assert.DoesNotContain("GOCSPX", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generic_LoopbackHttpAndIssuerAreAccepted()
    {
        var account = ProviderPresets.Build(Request(OAuthProvider.Generic, OAuthFlow.Device) with { Issuer = "http://127.0.0.1:5000/", Scopes = ["smtp"] });

        Assert.Equal("http://127.0.0.1:5000/", account.Issuer);
        Assert.Null(account.TokenEndpoint);
    }
}
