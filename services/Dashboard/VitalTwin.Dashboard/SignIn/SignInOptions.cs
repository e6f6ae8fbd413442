using System.ComponentModel.DataAnnotations;

namespace VitalTwin.Dashboard.SignIn;

public enum SignInMode
{
    /// <summary>The hospital's identity provider, through OpenID Connect's authorization code flow.</summary>
    OpenIdConnect,

    /// <summary>The one-machine setup's own issuer: a page to choose a role and wards. Never for patients' care.</summary>
    Local,
}

/// <summary>How clinicians sign in, bound from <c>Dashboard:SignIn</c>.</summary>
public sealed class SignInOptions : IValidatableObject
{
    public const string SectionName = "Dashboard:SignIn";

    public SignInMode Mode { get; set; } = SignInMode.OpenIdConnect;

    /// <summary>The provider's issuer address (its metadata is at <c>/.well-known/openid-configuration</c>).</summary>
    public Uri? Authority { get; set; }

    public string ClientId { get; set; } = string.Empty;

    /// <summary>From a Secret; empty for a public client (PKCE only).</summary>
    public string ClientSecret { get; set; } = string.Empty;

    /// <summary>Scopes asked for besides <c>openid</c> and <c>profile</c>: whatever makes the provider issue an access token for VitalTwin's audience.</summary>
    public IList<string> Scopes { get; } = [];

    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Local mode: the PKCS#8 PEM key of the one-machine issuer the services trust.</summary>
    public string LocalSigningKey { get; set; } = string.Empty;

    public string LocalIssuer { get; set; } = "vitaltwin-local";

    public string LocalAudience { get; set; } = "vitaltwin";

    /// <summary>Local mode: the wards offered on the sign-in page.</summary>
    public IList<string> LocalWards { get; } = [];

    /// <summary>Local mode: how long a sign-in lasts (a shift).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan LocalLifetime { get; set; } = TimeSpan.FromHours(8);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Mode == SignInMode.OpenIdConnect)
        {
            if (Authority is null)
            {
                yield return new ValidationResult("Dashboard:SignIn:Authority is required: the hospital's OpenID Connect provider (or Mode=Local on one machine)", [nameof(Authority)]);
            }
            else if (RequireHttpsMetadata && Authority.Scheme != Uri.UriSchemeHttps)
            {
                yield return new ValidationResult("Dashboard:SignIn:Authority must be https", [nameof(Authority)]);
            }
            if (string.IsNullOrWhiteSpace(ClientId))
            {
                yield return new ValidationResult("Dashboard:SignIn:ClientId is required: the dashboard's registration at the provider", [nameof(ClientId)]);
            }
        }
        else if (string.IsNullOrWhiteSpace(LocalSigningKey))
        {
            yield return new ValidationResult("Dashboard:SignIn:LocalSigningKey is required in Local mode: the one-machine issuer's key (DevHost passes it)", [nameof(LocalSigningKey)]);
        }
    }
}
