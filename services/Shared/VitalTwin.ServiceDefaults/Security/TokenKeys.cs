using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace VitalTwin.ServiceDefaults.Security;

/// <summary>Reads the PEM public keys that token signatures are checked against.</summary>
internal static class TokenKeys
{
    public static bool TryParsePublicKey(string pem, [NotNullWhen(true)] out SecurityKey? key)
    {
        key = null;
        if (string.IsNullOrWhiteSpace(pem))
        {
            return false;
        }
        // The PEM label says which algorithm; a key of the other kind fails to import, which is the answer.
        try
        {
            var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            key = new ECDsaSecurityKey(ec) { KeyId = KeyId(ec.ExportSubjectPublicKeyInfo()) };
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
        }
        try
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            key = new RsaSecurityKey(rsa) { KeyId = KeyId(rsa.ExportSubjectPublicKeyInfo()) };
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return false;
        }
    }

    /// <summary>A key id derived from the public key itself, so issuer and validator agree without configuring one.</summary>
    public static string KeyId(byte[] subjectPublicKeyInfo) => Base64UrlEncoder.Encode(SHA256.HashData(subjectPublicKeyInfo)[..16]);
}
