using System.Security.Cryptography.X509Certificates;
using VitalTwin.Gateway.Devices;

namespace VitalTwin.Gateway.Authentication;

/// <summary>
/// A device's proof checked: which device it names (null when it names none) and what the Gateway thinks of it.
/// <see cref="SecretHash"/> is the hash of the key it presented; null for a certificate.
/// </summary>
internal sealed record DeviceProof(string? DeviceId, DeviceStanding Standing, byte[]? SecretHash = null)
{
    public bool Allowed => Standing == DeviceStanding.Allowed && DeviceId is not null;

    /// <summary>Why the proof was refused, naming no device: it may be logged and is sent to the device.</summary>
    public string Refusal => Standing switch
    {
        DeviceStanding.Revoked => "the device is revoked",
        DeviceStanding.Unknown => DeviceId is null ? "the credential names no registered device" : "the device is not registered",
        _ => "the device credential is wrong",
    };
}

/// <summary>
/// The one place a device's key or client certificate is checked, for every front door: the HTTP schemes
/// (<see cref="DeviceCredentialHandler"/>, <see cref="DeviceCertificateHandler"/>) and the doors that are not HTTP
/// (MQTT's CONNECT, an HL7 v2 connection). A session that outlives its sign-in asks <see cref="StillAllowed"/>
/// before each message, so a revocation or a newer registration ends it.
/// </summary>
internal sealed class DeviceSignIn(DeviceCredentials credentials, DeviceCertificateTrust trust)
{
    /// <summary>A key as RegisterDevice issued it (<c>vtd1.…</c>); a malformed one proves no device.</summary>
    public DeviceProof WithCredential(string credential)
    {
        if (!DeviceCredential.TryParse(credential, out var deviceId, out var secretHash))
        {
            return new DeviceProof(null, DeviceStanding.WrongCredential);
        }
        return new DeviceProof(deviceId, credentials.Check(deviceId, secretHash), secretHash);
    }

    /// <summary>A client certificate: issued by the device CAs, it names its device in the subject common name.</summary>
    public DeviceProof WithCertificate(X509Certificate2 certificate)
    {
        if (!trust.Trusts(certificate))
        {
            return new DeviceProof(null, DeviceStanding.WrongCredential);
        }
        var deviceId = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return string.IsNullOrEmpty(deviceId)
            ? new DeviceProof(null, DeviceStanding.Unknown)
            : new DeviceProof(deviceId, credentials.Check(deviceId));
    }

    /// <summary>
    /// A sending system's client certificate (an MQTT bridge, an HL7 v2 sender): issued by the system CAs, it names the
    /// system in its subject common name. Null when it proves no system.
    /// </summary>
    public Ingestion.Sender? SystemWithCertificate(X509Certificate2 certificate)
    {
        if (!trust.TrustsSystem(certificate))
        {
            return null;
        }
        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return string.IsNullOrEmpty(name) ? null : Ingestion.Sender.System(name);
    }

    /// <summary>Whether a device signed in with <paramref name="proof"/> may still send: not revoked, its key not replaced.</summary>
    public bool StillAllowed(DeviceProof proof) => proof.DeviceId is { } deviceId
        && (proof.SecretHash is { } hash ? credentials.Check(deviceId, hash) : credentials.Check(deviceId)) == DeviceStanding.Allowed;
}
