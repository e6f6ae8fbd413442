using System.ComponentModel.DataAnnotations;

namespace VitalTwin.ServiceDefaults.Security;

/// <summary>
/// Who may call the query and command APIs, bound from <c>Auth</c>: callers present a JWT bearer token from
/// the hospital's identity provider. Its signing keys come from the provider's OpenID Connect metadata
/// (<see cref="Authority"/>) or are configured directly (<see cref="SigningKeys"/>, e.g. from a Secret).
/// Nothing configured is valid and fails closed: every call that needs a token is refused (and a warning says
/// so at start), so a service without an API, or a test of one that needs none, runs without an identity provider.
/// </summary>
public sealed class ApiAuthenticationOptions : IValidatableObject
{
    public const string SectionName = "Auth";

    /// <summary>The <c>iss</c> every token must carry.</summary>
    public string Issuer { get; set; } = string.Empty;

    /// <summary>The <c>aud</c> every token must carry.</summary>
    [Required] public string Audience { get; set; } = "vitaltwin";

    /// <summary>Where the provider publishes its OpenID Connect metadata and keys (https unless <see cref="RequireHttpsMetadata"/> is off).</summary>
    public Uri? Authority { get; set; }

    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>PEM public keys (RSA or EC) whose signatures are trusted; several during a key rotation.</summary>
    public IList<string> SigningKeys { get; } = [];

    /// <summary>How far the callers' and the provider's clocks may disagree about expiry.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether any token can be trusted at all. A blank key is no key: a deployment template may leave one empty.</summary>
    public bool IsConfigured => Authority is not null || SigningKeys.Any(key => !string.IsNullOrWhiteSpace(key));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (IsConfigured && string.IsNullOrWhiteSpace(Issuer))
        {
            yield return new ValidationResult("Auth:Issuer is required with Authority or SigningKeys: it is the iss every token must carry", [nameof(Issuer)]);
        }
        if (Authority is { } authority && RequireHttpsMetadata && authority.Scheme != Uri.UriSchemeHttps)
        {
            yield return new ValidationResult("Auth:Authority must be https (keys fetched over plain HTTP can be replaced on the way)", [nameof(Authority)]);
        }
        for (var i = 0; i < SigningKeys.Count; i++)
        {
            if (!string.IsNullOrWhiteSpace(SigningKeys[i]) && !TokenKeys.TryParsePublicKey(SigningKeys[i], out _))
            {
                yield return new ValidationResult($"Auth:SigningKeys:{i} is not a PEM RSA or EC public key", [nameof(SigningKeys)]);
            }
        }
    }
}
