using System.ComponentModel.DataAnnotations;
using Microsoft.IdentityModel.Tokens;

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

    /// <summary>
    /// The token types (JWT header <c>typ</c>) accepted; empty means <see cref="AccessTokenTypes"/>. Only access
    /// tokens open the APIs: an ID token issued to some application for VitalTwin's audience is not one.
    /// </summary>
    public IList<string> TokenTypes { get; } = [];

    /// <summary>
    /// The signature algorithms (JWT header <c>alg</c>) accepted, each an asymmetric one; empty means
    /// <see cref="DefaultAlgorithms"/>. Whatever the keys could verify, a token signed otherwise is refused.
    /// </summary>
    public IList<string> Algorithms { get; } = [];

    /// <summary>The <c>typ</c> of an OAuth 2.0 access token in JWT form (RFC 9068), with and without its <c>application/</c> prefix.</summary>
    public static IReadOnlyList<string> AccessTokenTypes { get; } = ["at+jwt", "application/at+jwt"];

    public static IReadOnlyList<string> DefaultAlgorithms { get; } = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSsaPssSha256];

    // The list is replaced, not appended to, by configuration: a default in the list itself would stay accepted.
    internal IReadOnlyList<string> AcceptedTokenTypes => TokenTypes.Count == 0 ? AccessTokenTypes : [.. TokenTypes];

    internal IReadOnlyList<string> AcceptedAlgorithms => Algorithms.Count == 0 ? DefaultAlgorithms : [.. Algorithms];

    private static readonly string[] AsymmetricAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

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
        for (var i = 0; i < TokenTypes.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(TokenTypes[i]))
            {
                yield return new ValidationResult($"Auth:TokenTypes:{i} is blank", [nameof(TokenTypes)]);
            }
        }
        for (var i = 0; i < Algorithms.Count; i++)
        {
            if (!AsymmetricAlgorithms.Contains(Algorithms[i], StringComparer.Ordinal))
            {
                yield return new ValidationResult($"Auth:Algorithms:{i} is not one of {string.Join(", ", AsymmetricAlgorithms)} (a token signed with a shared secret or none is never trusted)", [nameof(Algorithms)]);
            }
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
