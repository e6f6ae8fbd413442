using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using VitalTwin.Dashboard.Extensions;
using VitalTwin.Dashboard.SignIn;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.Dashboard.Tests;

/// <summary>
/// The whole authorization code flow with PKCE, over real HTTP on loopback: the dashboard sends the browser to the
/// provider, takes the code back, redeems it at the provider's token endpoint and keeps the access token in its
/// session. No identity provider can run on this machine, so a minimal one stands in, speaking OpenID Connect.
/// </summary>
public sealed class OpenIdConnectSignInTests : IAsyncLifetime
{
    private const string ClientId = "vitaltwin-dashboard";
    private static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(10);

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));
    private readonly HttpClient _browser = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly ECDsa _providerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly LocalTokenIssuer _accessTokens;
    private readonly ConcurrentDictionary<string, (string Challenge, string Nonce)> _codes = new(StringComparer.Ordinal);
    private WebApplication _provider = null!;
    private WebApplication _dashboard = null!;

    public OpenIdConnectSignInTests() => _accessTokens = new LocalTokenIssuer(clock: _clock);

    private CancellationToken Cancellation => _timeout.Token;

    public async Task InitializeAsync()
    {
        _provider = await StartProviderAsync();
        _dashboard = await StartDashboardAsync();
    }

    [Fact]
    public async Task Signing_in_at_the_provider_keeps_its_access_token_in_the_session_until_that_token_expires()
    {
        var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
        var challenge = await SendAsync(HttpMethod.Get, "/sign-in", cookies);
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var authorize = Query(challenge.Headers.Location!);
        Assert.Equal("S256", authorize["code_challenge_method"]);
        Assert.Equal("code", authorize["response_type"]);

        // The user signs in at the provider, which posts the code back to the dashboard.
        _codes["code-1"] = (authorize["code_challenge"], authorize["nonce"]);
        var callback = await SendAsync(HttpMethod.Post, "/signin-oidc", cookies, new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = "code-1", ["state"] = authorize["state"] }));
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);

        Assert.Equal("Ann Nurse holds a token for ward-a", await ReadSessionAsync(cookies));
        _clock.Advance(AccessTokenLifetime - TimeSpan.FromMinutes(1));
        Assert.Equal("Ann Nurse holds a token for ward-a", await ReadSessionAsync(cookies));
        // The ID token is good for an hour more; the session is worth no more than the access token in it.
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("nobody", await ReadSessionAsync(cookies));
    }

    private async Task<WebApplication> StartProviderAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0" });
        var app = builder.Build();
        var keyId = "provider-key";
        app.MapGet("/.well-known/openid-configuration", (HttpContext context) =>
        {
            var issuer = Issuer(context);
            return Results.Json(new
            {
                issuer,
                authorization_endpoint = $"{issuer}/authorize",
                token_endpoint = $"{issuer}/token",
                jwks_uri = $"{issuer}/jwks",
                end_session_endpoint = $"{issuer}/logout",
                id_token_signing_alg_values_supported = new[] { "ES256" },
            });
        });
        app.MapGet("/jwks", () =>
        {
            var point = _providerKey.ExportParameters(includePrivateParameters: false).Q;
            return Results.Json(new { keys = new[] { new { kty = "EC", crv = "P-256", use = "sig", alg = "ES256", kid = keyId, x = Base64UrlEncoder.Encode(point.X), y = Base64UrlEncoder.Encode(point.Y) } } });
        });
        app.MapPost("/token", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            if (!_codes.TryRemove(form["code"].ToString(), out var issued)
                || form["client_id"] != ClientId
                || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))) != issued.Challenge)
            {
                return Results.Json(new { error = "invalid_grant" }, statusCode: StatusCodes.Status400BadRequest);
            }
            var now = DateTime.UtcNow;
            var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = Issuer(context),
                Audience = ClientId,
                IssuedAt = now,
                NotBefore = now,
                Expires = now.AddHours(1),
                Claims = new Dictionary<string, object> { ["sub"] = "ann", ["name"] = "Ann Nurse", ["nonce"] = issued.Nonce },
                SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(_providerKey) { KeyId = keyId }, SecurityAlgorithms.EcdsaSha256),
            });
            var accessToken = _accessTokens.Mint("ann", [Roles.Clinician], ["ward-a"], AccessTokenLifetime);
            return Results.Json(new { id_token = idToken, access_token = accessToken, token_type = "Bearer", expires_in = (int)AccessTokenLifetime.TotalSeconds });
        });
        await app.StartAsync(Cancellation);
        return app;
    }

    private async Task<WebApplication> StartDashboardAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
            [$"{SignInOptions.SectionName}:Mode"] = nameof(SignInMode.OpenIdConnect),
            [$"{SignInOptions.SectionName}:Authority"] = Address(_provider),
            [$"{SignInOptions.SectionName}:RequireHttpsMetadata"] = "false",
            [$"{SignInOptions.SectionName}:ClientId"] = ClientId,
        });
        builder.Services.AddSingleton<TimeProvider>(_clock);
        builder.AddDashboardSignIn();
        var app = builder.Build();
        app.UseAuthentication();
        app.MapGet("/sign-in", () => Results.Challenge(new AuthenticationProperties { RedirectUri = "/" }));
        app.MapGet("/session", async (HttpContext context) =>
            (await context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme)).Principal is { } user && ClinicianIdentity.From(user) is { } identity
                ? $"{identity.DisplayName} holds a token for {string.Join(',', identity.Wards)}"
                : "nobody");
        await app.StartAsync(Cancellation);
        return app;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, Dictionary<string, string> cookies, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, $"{Address(_dashboard)}{path}") { Content = content };
        if (cookies.Count > 0)
        {
            // The correlation and nonce cookies are Secure: a browser would send them over https, this plain loopback does it by hand.
            request.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}")));
        }
        var response = await _browser.SendAsync(request, Cancellation);
        foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            var pair = header.Split(';')[0].Split('=', 2);
            cookies[pair[0]] = pair[1];
        }
        return response;
    }

    private async Task<string> ReadSessionAsync(Dictionary<string, string> cookies) =>
        await (await SendAsync(HttpMethod.Get, "/session", cookies)).Content.ReadAsStringAsync(Cancellation);

    private static Dictionary<string, string> Query(Uri uri) =>
        uri.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]), StringComparer.Ordinal);

    private static string Issuer(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}";

    private static string Address(WebApplication host) => host.Urls.Single().TrimEnd('/');

    public async Task DisposeAsync()
    {
        foreach (var host in new[] { _dashboard, _provider }.Where(h => h is not null))
        {
            await host.StopAsync(CancellationToken.None);
            await host.DisposeAsync();
        }
        _browser.Dispose();
        _providerKey.Dispose();
        _accessTokens.Dispose();
        _timeout.Dispose();
    }
}
