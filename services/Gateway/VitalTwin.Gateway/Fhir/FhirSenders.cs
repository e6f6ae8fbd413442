using Microsoft.AspNetCore.Authentication;
using VitalTwin.Gateway.Authentication;
using VitalTwin.Gateway.Ingestion;
using VitalTwin.ServiceDefaults.Security;
using IssueType = Hl7.Fhir.Model.OperationOutcome.IssueType;

namespace VitalTwin.Gateway.Fhir;

/// <summary>Who posted, or why nobody the door accepts did (an answer to send as is).</summary>
internal sealed record FhirSender(Sender? Sender, IResult? Refusal);

/// <summary>
/// Who may post to the FHIR door: a device with its key (<c>authorization: Device …</c>) or its client certificate,
/// sending its own readings; or a system with a bearer token holding the <c>ingest</c> role, sending for the devices
/// registered with the token's subject as their ingest system. The door authenticates here rather than through an
/// authorization policy so that every refusal is an OperationOutcome.
/// </summary>
internal static class FhirSenders
{
    private const string Challenge = "Device, Bearer";

    public static async Task<FhirSender> AuthenticateAsync(HttpContext http)
    {
        foreach (var scheme in new[] { DeviceAuthentication.CredentialScheme, DeviceAuthentication.CertificateScheme })
        {
            var device = await http.AuthenticateAsync(scheme);
            if (device.Succeeded && device.Principal.FindFirst(DeviceAuthentication.DeviceIdClaim)?.Value is { } deviceId)
            {
                return new FhirSender(Sender.Device(deviceId), null);
            }
            if (device.Failure is { } failure)
            {
                return Unauthenticated(http, IssueType.Login, failure.Message);
            }
        }
        var bearer = await http.AuthenticateAsync(ApiAuthentication.BearerScheme);
        if (bearer.Failure is not null)
        {
            return Unauthenticated(http, IssueType.Login, "the bearer token is not valid");
        }
        if (!bearer.Succeeded)
        {
            return Unauthenticated(http, IssueType.Login,
                "send the device's key (authorization: Device <key>), a device certificate, or a bearer token with the ingest role");
        }
        return Caller.From(bearer.Principal) is { } caller && caller.IsIn(Roles.Ingest)
            ? new FhirSender(Sender.System(caller.Subject), null)
            : new FhirSender(null, FhirOutcomes.Refusal(StatusCodes.Status403Forbidden, IssueType.Forbidden,
                $"the token needs the {Roles.Ingest} role and a subject to post readings"));
    }

    private static FhirSender Unauthenticated(HttpContext http, IssueType code, string text)
    {
        http.Response.Headers.WWWAuthenticate = Challenge;
        return new FhirSender(null, FhirOutcomes.Refusal(StatusCodes.Status401Unauthorized, code, text));
    }
}
