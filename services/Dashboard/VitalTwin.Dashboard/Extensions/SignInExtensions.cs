using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using VitalTwin.Dashboard.SignIn;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.Dashboard.Extensions;

internal static class SignInExtensions
{
    /// <summary>
    /// A session cookie holding the user's access token, obtained from the hospital's provider over OpenID Connect
    /// (<c>Dashboard:SignIn:Mode=OpenIdConnect</c>) or, on one machine, minted by the local issuer after the
    /// local sign-in page (<c>Mode=Local</c>). The session ends when the access token does.
    /// </summary>
    public static void AddDashboardSignIn(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SignInOptions>().BindConfiguration(SignInOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(SignInOptions.SectionName).Get<SignInOptions>() ?? new SignInOptions();
        var local = options.Mode == SignInMode.Local;
        var authentication = builder.Services.AddAuthentication(o =>
        {
            o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.DefaultChallengeScheme = local ? CookieAuthenticationDefaults.AuthenticationScheme : OpenIdConnectDefaults.AuthenticationScheme;
        });
        authentication.AddCookie(o =>
        {
            o.Cookie.Name = "vitaltwin-dashboard";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = LocalSignInPage.Path;
            o.AccessDeniedPath = "/";
            // The cookie is worth no more than the token inside it: it ends when the token does, never slides past it.
            o.SlidingExpiration = false;
        });
        if (local)
        {
            builder.Services.AddSingleton(sp =>
            {
                var signIn = sp.GetRequiredService<IOptions<SignInOptions>>().Value;
                return LocalTokenIssuer.FromPrivateKeyPem(signIn.LocalSigningKey, signIn.LocalIssuer, signIn.LocalAudience, sp.GetRequiredService<TimeProvider>());
            });
        }
        else
        {
            authentication.AddOpenIdConnect(o =>
            {
                o.Authority = options.Authority?.ToString();
                o.ClientId = options.ClientId;
                o.ClientSecret = string.IsNullOrEmpty(options.ClientSecret) ? null : options.ClientSecret;
                o.RequireHttpsMetadata = options.RequireHttpsMetadata;
                o.ResponseType = "code";
                o.UsePkce = true;
                o.MapInboundClaims = false;
                // The session lasts as long as the access token it holds (set below), not the ID token.
                o.UseTokenLifetime = false;
                o.TokenValidationParameters.NameClaimType = ClinicianIdentity.NameClaim;
                foreach (var scope in options.Scopes)
                {
                    o.Scope.Add(scope);
                }
                o.Events.OnTokenValidated = context =>
                {
                    // The access token is what the services are shown; the ID token only says who signed in.
                    if (context.TokenEndpointResponse?.AccessToken is { Length: > 0 } accessToken && context.Principal?.Identity is ClaimsIdentity identity)
                    {
                        identity.AddClaim(new Claim(ClinicianIdentity.AccessTokenClaim, accessToken));
                        var clock = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>();
                        var expiresIn = int.TryParse(context.TokenEndpointResponse.ExpiresIn, System.Globalization.CultureInfo.InvariantCulture, out var seconds) ? clock.GetUtcNow().AddSeconds(seconds) : DateTimeOffset.MaxValue;
                        var expiresAt = ClinicianIdentity.From(context.Principal)?.ExpiresAt ?? DateTimeOffset.MaxValue;
                        var ends = expiresAt < expiresIn ? expiresAt : expiresIn;
                        if (ends != DateTimeOffset.MaxValue && context.Properties is { } properties)
                        {
                            properties.ExpiresUtc = ends;
                        }
                    }
                    return Task.CompletedTask;
                };
            });
        }
        builder.Services.AddAuthorization();
        builder.Services.AddCascadingAuthenticationState();
    }
}
