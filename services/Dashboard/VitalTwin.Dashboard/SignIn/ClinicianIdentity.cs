using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.Dashboard.SignIn;

/// <summary>
/// Who is signed in, and the access token the dashboard presents on their behalf. The roles and wards are read from
/// that token for the pages' navigation only: the services decide what the token may see and do, and audit it.
/// </summary>
public sealed record ClinicianIdentity(string Subject, string DisplayName, string AccessToken, IReadOnlySet<string> Roles, IReadOnlyList<string> Wards, DateTimeOffset ExpiresAt)
{
    /// <summary>The claim of the dashboard's own cookie that carries the access token; it never leaves the server.</summary>
    public const string AccessTokenClaim = "vitaltwin:access_token";

    public const string NameClaim = "name";

    public bool CoversEveryWard => Wards.Contains(Caller.EveryWard);

    public bool IsClinician => Roles.Contains(ServiceDefaults.Security.Roles.Clinician);

    /// <summary>The signed-in user of <paramref name="principal"/>, or null when there is none or it carries no access token.</summary>
    public static ClinicianIdentity? From(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (principal.Identity?.IsAuthenticated != true || principal.FindFirst(AccessTokenClaim)?.Value is not { Length: > 0 } accessToken)
        {
            return null;
        }
        JsonWebToken token;
        try
        {
            token = new JsonWebToken(accessToken);
        }
        catch (ArgumentException)
        {
            // An opaque access token: the services still judge it; the pages offer no ward of their own.
            return new ClinicianIdentity(SubjectOf(principal), NameOf(principal), accessToken, new HashSet<string>(), [], DateTimeOffset.MaxValue);
        }
        var roles = token.Claims.Where(c => c.Type == Caller.RoleClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var wards = token.Claims.Where(c => c.Type == Caller.WardClaim).Select(c => c.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new ClinicianIdentity(SubjectOf(principal), NameOf(principal), accessToken, roles, wards, new DateTimeOffset(token.ValidTo, TimeSpan.Zero));
    }

    private static string SubjectOf(ClaimsPrincipal principal) => principal.FindFirst(Caller.SubjectClaim)?.Value ?? principal.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? "unknown";

    private static string NameOf(ClaimsPrincipal principal) => principal.FindFirst(NameClaim)?.Value ?? principal.Identity?.Name ?? SubjectOf(principal);
}
