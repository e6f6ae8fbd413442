using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using VitalTwin.Gateway.Devices;

namespace VitalTwin.Gateway.Authentication;

/// <summary>
/// Authenticates a call by the device key RegisterDevice issued, sent as <c>authorization: Device &lt;credential&gt;</c>.
/// A call without that header is left to the other device scheme (certificates); a malformed, wrong or forged
/// credential, or an unknown or revoked device, fails. Failure messages name no device: they are logged.
/// </summary>
internal sealed class DeviceCredentialHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    DeviceSignIn signIn) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string AuthorizationScheme = "Device";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith(AuthorizationScheme + " ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var proof = signIn.WithCredential(header[(AuthorizationScheme.Length + 1)..].Trim());
        var result = proof.Allowed
            ? AuthenticateResult.Success(new AuthenticationTicket(DeviceAuthentication.Principal(proof.DeviceId!, Scheme.Name, proof.SecretHash), Scheme.Name))
            : AuthenticateResult.Fail(proof.DeviceId is null && proof.Standing == DeviceStanding.WrongCredential ? "the device credential is malformed" : proof.Refusal);
        return Task.FromResult(result);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = AuthorizationScheme;
        return Task.CompletedTask;
    }
}
