using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace VitalTwin.ServiceDefaults.Security;

/// <summary>
/// An identity provider for one machine: it signs tokens with a key that exists only in this process, for the
/// one-machine setup (DevHost) and tests. Services trust it through the configuration it gives
/// (<see cref="ServiceConfiguration"/>); a hospital's deployment trusts its own provider instead.
/// </summary>
public sealed class LocalTokenIssuer : IDisposable
{
    public const string DefaultIssuer = "vitaltwin-local";

    /// <summary>The <c>typ</c> of the tokens minted: OAuth 2.0 access tokens in JWT form (RFC 9068).</summary>
    public const string AccessTokenType = "at+jwt";

    private readonly ECDsa _key;
    private readonly SigningCredentials _credentials;
    private readonly TimeProvider _clock;

    public LocalTokenIssuer(string issuer = DefaultIssuer, string audience = "vitaltwin", TimeProvider? clock = null)
        : this(ECDsa.Create(ECCurve.NamedCurves.nistP256), issuer, audience, clock)
    {
    }

    private LocalTokenIssuer(ECDsa key, string issuer, string audience, TimeProvider? clock)
    {
        _key = key;
        Issuer = issuer;
        Audience = audience;
        _clock = clock ?? TimeProvider.System;
        var securityKey = new ECDsaSecurityKey(_key) { KeyId = TokenKeys.KeyId(_key.ExportSubjectPublicKeyInfo()) };
        _credentials = new SigningCredentials(securityKey, SecurityAlgorithms.EcdsaSha256);
        PublicKeyPem = _key.ExportSubjectPublicKeyInfoPem();
    }

    public string Issuer { get; }

    public string Audience { get; }

    public string PublicKeyPem { get; }

    /// <summary>
    /// The signing key, for handing this issuer to another process of the same one-machine setup (the dashboard's
    /// local sign-in): whoever holds it can mint tokens the services trust, so it never leaves this machine.
    /// </summary>
    public string ExportPrivateKeyPem() => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>The issuer whose key <see cref="ExportPrivateKeyPem"/> gave, in another process.</summary>
    public static LocalTokenIssuer FromPrivateKeyPem(string privateKeyPem, string issuer = DefaultIssuer, string audience = "vitaltwin", TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(privateKeyPem);
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(privateKeyPem);
            return new LocalTokenIssuer(key, issuer, audience, clock);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The settings that make a service trust this issuer, as configuration keys (<c>Auth:...</c>).</summary>
    public IReadOnlyDictionary<string, string> ServiceConfiguration => new Dictionary<string, string>
    {
        [$"{ApiAuthenticationOptions.SectionName}:{nameof(ApiAuthenticationOptions.Issuer)}"] = Issuer,
        [$"{ApiAuthenticationOptions.SectionName}:{nameof(ApiAuthenticationOptions.Audience)}"] = Audience,
        [$"{ApiAuthenticationOptions.SectionName}:{nameof(ApiAuthenticationOptions.SigningKeys)}:0"] = PublicKeyPem,
    };

    /// <summary>A signed token for <paramref name="subject"/> with the given roles and ward grants, valid for <paramref name="lifetime"/> (default 1 h) from <paramref name="notBefore"/> (default now).</summary>
    /// <param name="issuer">Another <c>iss</c> than this issuer's, for tests of what a service refuses.</param>
    /// <param name="audience">Another <c>aud</c> than this issuer's, for tests of what a service refuses.</param>
    /// <param name="tokenType">Another <c>typ</c> than an access token's (<c>at+jwt</c>), e.g. an ID token's <c>JWT</c>, for tests of what a service refuses.</param>
    /// <param name="algorithm">Another signature algorithm than ES256 with this issuer's key, for tests of what a service refuses.</param>
    public string Mint(
        string subject,
        IEnumerable<string> roles,
        IEnumerable<string>? wards = null,
        TimeSpan? lifetime = null,
        DateTimeOffset? notBefore = null,
        string? issuer = null,
        string? audience = null,
        string tokenType = AccessTokenType,
        string? algorithm = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentNullException.ThrowIfNull(roles);
        var from = notBefore ?? _clock.GetUtcNow();
        var claims = new List<Claim> { new(Caller.SubjectClaim, subject) };
        claims.AddRange(roles.Select(role => new Claim(Caller.RoleClaim, role)));
        claims.AddRange((wards ?? []).Select(ward => new Claim(Caller.WardClaim, ward)));
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience ?? Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = from.UtcDateTime,
            NotBefore = from.UtcDateTime,
            Expires = (from + (lifetime ?? TimeSpan.FromHours(1))).UtcDateTime,
            SigningCredentials = algorithm is null ? _credentials : new SigningCredentials(_credentials.Key, algorithm),
            TokenType = tokenType,
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public void Dispose() => _key.Dispose();
}
