using System.Security.Cryptography.X509Certificates;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using VitalTwin.Gateway.Devices;

namespace VitalTwin.Gateway.Authentication;

/// <summary>
/// Authenticates a call by the client certificate of its TLS connection: a certificate the device CAs issued
/// (<see cref="DeviceCertificateTrust"/>) names its device in the subject common name. A connection without a
/// certificate is left to the other device scheme (keys); one that proves no registered, unrevoked device fails.
/// </summary>
internal sealed class DeviceCertificateHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    DeviceSignIn signIn) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var certificate = await Context.Connection.GetClientCertificateAsync(Context.RequestAborted);
        if (certificate is null)
        {
            return AuthenticateResult.NoResult();
        }
        var proof = signIn.WithCertificate(certificate);
        if (proof.Allowed)
        {
            return AuthenticateResult.Success(new AuthenticationTicket(DeviceAuthentication.Principal(proof.DeviceId!, Scheme.Name), Scheme.Name));
        }
        return AuthenticateResult.Fail(proof.Standing switch
        {
            DeviceStanding.Revoked => "the device is revoked",
            DeviceStanding.WrongCredential => "the certificate is not a device certificate of the device CA",
            _ => "the certificate names no registered device",
        });
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }
}

/// <summary>
/// Whether a client certificate was issued by the device CAs (<see cref="DeviceAuthenticationOptions.ClientCaPath"/>):
/// it chains to one of them, and only them (never the machine's roots), is valid on the service's clock and has the
/// client-authentication usage. The chain is built from the configured CAs alone: an issuer the certificate points
/// to (its AIA address) is never fetched, so a device can neither make the Gateway reach an address of its choosing
/// nor hold a call up on a slow one.
/// </summary>
internal sealed class DeviceCertificateTrust(IOptions<DeviceAuthenticationOptions> options, TimeProvider clock)
{
    private static readonly System.Security.Cryptography.Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly X509Certificate2Collection _cas = options.Value.LoadClientCas();

    public bool Trusts(X509Certificate2 certificate)
    {
        if (_cas.Count == 0)
        {
            return false;
        }
        using var chain = new X509Chain { ChainPolicy = Policy() };
        return chain.Build(certificate);
    }

    /// <summary>The same policy for the TLS handshake's own check of the certificate, which must fetch nothing either.</summary>
    public X509ChainPolicy Policy()
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            DisableCertificateDownloads = true,
            // A device is taken out by RevokeDevice, on its id, whichever way it authenticates; no CRL to reach.
            RevocationMode = X509RevocationMode.NoCheck,
            VerificationTime = clock.GetUtcNow().UtcDateTime,
        };
        policy.CustomTrustStore.AddRange(_cas);
        // An intermediate CA configured beside its root completes the chain of the certificates it issued.
        policy.ExtraStore.AddRange(_cas);
        policy.ApplicationPolicy.Add(ClientAuthentication);
        return policy;
    }
}
