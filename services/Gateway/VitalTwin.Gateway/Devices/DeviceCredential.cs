using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace VitalTwin.Gateway.Devices;

/// <summary>
/// A device's key as the device holds it: <c>vtd1.&lt;device id&gt;.&lt;secret&gt;</c>, both parts base64url, the
/// secret 256 bits from a CSPRNG. Naming the device in the credential lets the Gateway find the one hash to
/// compare with, instead of trying every device's.
/// </summary>
internal static class DeviceCredential
{
    public const int SecretBytes = 32;

    private const string Prefix = "vtd1";

    /// <summary>A new credential for <paramref name="deviceId"/>, and the hash of its secret (all the Gateway keeps).</summary>
    public static (string Credential, byte[] SecretHash) Issue(string deviceId)
    {
        var secret = RandomNumberGenerator.GetBytes(SecretBytes);
        try
        {
            var credential = $"{Prefix}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(deviceId))}.{Base64Url.EncodeToString(secret)}";
            return (credential, SHA256.HashData(secret));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>The device a credential names and the hash of its secret; false for anything not shaped as one.</summary>
    public static bool TryParse(string credential, [NotNullWhen(true)] out string? deviceId, [NotNullWhen(true)] out byte[]? secretHash)
    {
        deviceId = null;
        secretHash = null;
        var parts = credential.Split('.');
        if (parts.Length != 3 || !string.Equals(parts[0], Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        Span<byte> secret = stackalloc byte[SecretBytes];
        if (!Base64Url.IsValid(parts[2], out var secretLength) || secretLength != SecretBytes
            || Base64Url.DecodeFromChars(parts[2], secret) != SecretBytes
            || !Base64Url.IsValid(parts[1], out var idLength) || idLength == 0)
        {
            return false;
        }
        try
        {
            deviceId = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Base64Url.DecodeFromChars(parts[1]));
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        secretHash = SHA256.HashData(secret);
        CryptographicOperations.ZeroMemory(secret);
        return true;
    }
}
