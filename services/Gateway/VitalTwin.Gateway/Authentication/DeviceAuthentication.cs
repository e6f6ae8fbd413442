using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using VitalTwin.Gateway.Devices;

namespace VitalTwin.Gateway.Authentication;

/// <summary>
/// The two ways a device authenticates a call (its key, or a client certificate from the device CA) and the
/// policy ingestion requires: exactly one device, registered and not revoked. The authenticated device is the
/// <see cref="DeviceIdClaim"/> claim.
/// </summary>
internal static class DeviceAuthentication
{
    public const string CredentialScheme = "DeviceCredential";
    public const string CertificateScheme = "DeviceCertificate";
    public const string Policy = "Device";
    public const string DeviceIdClaim = "device_id";

    // Which key a call was authenticated with, so that a long stream can be checked against a newer registration.
    private const string CredentialClaim = "device_credential_sha256";

    public static void AddDeviceAuthentication(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DeviceAuthenticationOptions>().BindConfiguration(DeviceAuthenticationOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeviceAuthenticationOptions>, DeviceAuthenticationOptions.Validator>();
        // No default scheme here: API callers' bearer scheme is the default, devices are named by the policy.
        services.AddSingleton<DeviceCertificateTrust>();
        services.AddSingleton<DeviceSignIn>();
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, DeviceCredentialHandler>(CredentialScheme, null)
            .AddScheme<AuthenticationSchemeOptions, DeviceCertificateHandler>(CertificateScheme, null);
        services.AddOptions<KestrelServerOptions>().Configure<DeviceCertificateTrust>((kestrel, trust) =>
        {
            if (trust.Configured)
            {
                // HTTP/2 cannot ask for a certificate after the handshake, so it is asked for in every TLS
                // handshake; devices without one still connect and use their key. Kestrel lets any certificate
                // through: the certificate scheme judges it, so a bad one gets UNAUTHENTICATED, not a broken handshake.
                kestrel.ConfigureHttpsDefaults(https =>
                {
                    https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    https.AllowAnyClientCertificate();
                    // The handshake checks the certificate's chain too, before the scheme: without this policy it
                    // would fetch a missing issuer from the address the certificate names.
                    https.OnAuthenticate = (_, tls) => tls.CertificateChainPolicy = trust.Policy();
                });
            }
        });
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(CredentialScheme, CertificateScheme)
            .RequireClaim(DeviceIdClaim));
    }

    public static ClaimsPrincipal Principal(string deviceId, string scheme, byte[]? secretHash = null)
    {
        var identity = new ClaimsIdentity([new Claim(DeviceIdClaim, deviceId)], scheme, DeviceIdClaim, roleType: null);
        if (secretHash is not null)
        {
            identity.AddClaim(new Claim(CredentialClaim, Convert.ToHexString(secretHash)));
        }
        return new ClaimsPrincipal(identity);
    }

    /// <summary>
    /// What the call's device proved when the call began (its key's hash, or none for a certificate), for
    /// <see cref="DeviceSignIn.StillAllowed"/> to check again as a long stream goes on.
    /// </summary>
    public static DeviceProof ProofOf(ServerCallContext context, string deviceId)
    {
        var credential = context.GetHttpContext().User.FindFirst(CredentialClaim)?.Value;
        return new DeviceProof(deviceId, DeviceStanding.Allowed, credential is null ? null : Convert.FromHexString(credential));
    }

    /// <summary>The device that authenticated the call; UNAUTHENTICATED when the call proved two different ones.</summary>
    public static string DeviceOf(ServerCallContext context)
    {
        var devices = context.GetHttpContext().User.FindAll(DeviceIdClaim).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList();
        return devices.Count == 1
            ? devices[0]
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "a call is authenticated as exactly one device"));
    }
}
