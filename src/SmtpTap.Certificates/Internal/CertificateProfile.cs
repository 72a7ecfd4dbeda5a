namespace SmtpTap.Certificates.Internal;

/// <summary>The numbers behind the CA and leaf certificates SmtpTap mints, kept in one place.</summary>
internal static class CertificateProfile
{
    public const string CaCertificateFileName = "ca.crt.pem";
    public const string CaKeyFileName = "ca.key.pem";
    public const string LeafDirectoryName = "leaf";
    public const string Organization = "SmtpTap";

    /// <summary>Certificates start this much in the past so a client clock slightly behind ours still accepts them.</summary>
    public static readonly TimeSpan Backdate = TimeSpan.FromHours(1);

    public const int CaValidityYears = 10;

    /// <summary>Longest validity browsers and Apple platforms accept for a TLS server certificate.</summary>
    public static readonly TimeSpan LeafValidity = TimeSpan.FromDays(397);

    /// <summary>A cached leaf is replaced once it is this close to expiring.</summary>
    public static readonly TimeSpan LeafRenewBefore = TimeSpan.FromDays(7);

    /// <summary>Longest X.520 common name; longer host names still go into the SAN.</summary>
    public const int MaxCommonNameLength = 64;

    public const int MaxNamesPerCertificate = 100;
}
