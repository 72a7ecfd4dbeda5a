using System.Security.Cryptography.X509Certificates;

namespace SmtpTap.Tests.Certificates;

/// <summary>Builds a chain that trusts only the given CA, as a client that imported it would.</summary>
internal static class ChainAssert
{
    public static X509Chain BuildAgainst(X509Certificate2 leaf, X509Certificate2 ca, DateTime? at = null)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
        if (at is not null)
        {
            chain.ChainPolicy.VerificationTime = at.Value;
        }

        return chain;
    }

    public static void ChainsTo(X509Certificate2 leaf, X509Certificate2 ca)
    {
        using var chain = BuildAgainst(leaf, ca);
        var ok = chain.Build(leaf);
        var problems = string.Join("; ", chain.ChainStatus.Select(s => $"{s.Status}: {s.StatusInformation}"));
        Assert.True(ok, "chain did not build: " + problems);
        Assert.Equal(2, chain.ChainElements.Count);
        Assert.Equal(ca.Thumbprint, chain.ChainElements[1].Certificate.Thumbprint);
    }
}
