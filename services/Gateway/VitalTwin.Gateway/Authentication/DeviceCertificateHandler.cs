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

    private readonly X509Certificate2Collection _deviceCas = options.Value.LoadClientCas();
    private readonly X509Certificate2Collection _systemCas = options.Value.LoadSystemCas();

    /// <summary>Whether any client certificate can be accepted: a device CA or a system CA is configured.</summary>
    public bool Configured => _deviceCas.Count + _systemCas.Count > 0;

    /// <summary>A device's certificate: issued by the device CAs.</summary>
    public bool Trusts(X509Certificate2 certificate) => Chains(certificate, _deviceCas);

    /// <summary>A sending system's certificate: issued by the system CAs (<see cref="DeviceAuthenticationOptions.SystemCaPath"/>).</summary>
    public bool TrustsSystem(X509Certificate2 certificate) => Chains(certificate, _systemCas);

    /// <summary>
    /// The TLS handshake's own check of a certificate, which must fetch nothing either: any configured CA passes it,
    /// and the door then judges whether a device or a system presented it.
    /// </summary>
    public X509ChainPolicy Policy() => Policy([.. _deviceCas, .. _systemCas]);

    private bool Chains(X509Certificate2 certificate, X509Certificate2Collection cas)
    {
        if (cas.Count == 0)
        {
            return false;
        }
        using var chain = new X509Chain { ChainPolicy = Policy(cas) };
        return chain.Build(certificate);
    }

    private X509ChainPolicy Policy(X509Certificate2Collection cas)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            DisableCertificateDownloads = true,
            // A device is taken out by RevokeDevice, on its id, whichever way it authenticates; no CRL to reach.
            RevocationMode = X509RevocationMode.NoCheck,
            VerificationTime = clock.GetUtcNow().UtcDateTime,
        };
        policy.CustomTrustStore.AddRange(cas);
        // An intermediate CA configured beside its root completes the chain of the certificates it issued.
        policy.ExtraStore.AddRange(cas);
        policy.ApplicationPolicy.Add(ClientAuthentication);
        return policy;
    }
}
