using System.Globalization;
using System.Security.Claims;
using Grpc.Core;

namespace VitalTwin.ServiceDefaults.Security;

/// <summary>
/// The authenticated caller of an API: who (the token's subject), what kind of access (roles), and whose data
/// (the wards a clinician is granted; <c>*</c> grants every ward), and until when (the token's expiry). Services
/// decide on this, never on the claims.
/// </summary>
public sealed class Caller
{
    public const string SubjectClaim = "sub";
    public const string RoleClaim = "role";
    public const string WardClaim = "ward";
    public const string ExpiryClaim = "exp";

    /// <summary>The ward grant that covers every ward, for a hospital-wide role (e.g. a rapid response team).</summary>
    public const string EveryWard = "*";

    private readonly HashSet<string> _wards;

    private Caller(string subject, IReadOnlySet<string> roles, HashSet<string> wards, DateTimeOffset? expiresAt)
    {
        Subject = subject;
        Roles = roles;
        _wards = wards;
        ExpiresAt = expiresAt;
    }

    public string Subject { get; }

    public IReadOnlySet<string> Roles { get; }

    public IReadOnlyCollection<string> Wards => _wards;

    /// <summary>When the token stops being valid (claim <c>exp</c>); null when it states no valid expiry.</summary>
    public DateTimeOffset? ExpiresAt { get; }

    public bool CoversEveryWard => _wards.Contains(EveryWard);

    public bool IsIn(string role) => Roles.Contains(role);

    /// <summary>
    /// Whether the caller may see a patient on <paramref name="ward"/>. A patient whose ward is not recorded is
    /// on no ward, so only an every-ward grant covers it: an unplaced patient must not be visible to every clinician.
    /// </summary>
    public bool MaySee(string? ward) => CoversEveryWard || (!string.IsNullOrEmpty(ward) && _wards.Contains(ward));

    /// <summary>
    /// The caller of a gRPC call that passed its <c>[Authorize]</c>. PERMISSION_DENIED when the token names no
    /// subject: an access must be recorded under someone.
    /// </summary>
    public static Caller Of(ServerCallContext call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return From(call.GetHttpContext().User)
            ?? throw new RpcException(new Status(StatusCode.PermissionDenied, "the token names no subject (claim sub)"));
    }

    /// <summary>The caller of an authenticated request; null when the principal carries no subject.</summary>
    public static Caller? From(ClaimsPrincipal? principal)
    {
        var subject = principal?.FindFirst(SubjectClaim)?.Value;
        if (principal is null || string.IsNullOrEmpty(subject))
        {
            return null;
        }
        var roles = principal.FindAll(RoleClaim).Select(claim => claim.Value).ToHashSet(StringComparer.Ordinal);
        var wards = principal.FindAll(WardClaim).Select(claim => claim.Value).ToHashSet(StringComparer.Ordinal);
        return new Caller(subject, roles, wards, Expiry(principal.FindFirst(ExpiryClaim)?.Value));
    }

    /// <summary>A JWT NumericDate: seconds since 1970, which the standard allows to be fractional.</summary>
    private static DateTimeOffset? Expiry(string? exp)
    {
        if (!double.TryParse(exp, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            || double.IsNaN(seconds)
            || seconds < 0
            || seconds >= (DateTimeOffset.MaxValue - DateTimeOffset.UnixEpoch).TotalSeconds)
        {
            return null;
        }
        return DateTimeOffset.UnixEpoch.AddSeconds(seconds);
    }
}
