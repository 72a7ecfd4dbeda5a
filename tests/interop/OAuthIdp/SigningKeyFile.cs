using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace SmtpTap.OAuthIdp;

/// <summary>
/// The RSA key that signs access tokens: loaded from a PEM file (created with mode 0600 when missing) or ephemeral. Its
/// key id is <c>rig-</c> + the first 16 hex digits of the SHA-256 of the public key (SubjectPublicKeyInfo DER), which a
/// script can compute with openssl to install the public key where a mail server looks it up by <c>kid</c>.
/// </summary>
internal static class SigningKeyFile
{
    public static RsaSecurityKey Load(string? path)
    {
        var rsa = RSA.Create(2048);
        if (path is not null)
        {
            if (File.Exists(path))
            {
                rsa.ImportFromPem(File.ReadAllText(path));
            }
            else
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using var writer = new StreamWriter(path, options);
                writer.Write(rsa.ExportPkcs8PrivateKeyPem());
            }
        }

        return new RsaSecurityKey(rsa) { KeyId = KeyIdOf(rsa) };
    }

    public static string KeyIdOf(RSA rsa)
    {
        ArgumentNullException.ThrowIfNull(rsa);
        return "rig-" + Convert.ToHexStringLower(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()))[..16];
    }

    public static void WritePublicKey(RsaSecurityKey key, string path)
    {
        ArgumentNullException.ThrowIfNull(key);
        File.WriteAllText(path, key.Rsa.ExportSubjectPublicKeyInfoPem() + "\n");
    }
}
