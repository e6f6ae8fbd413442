using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.Dashboard.SignIn;

/// <summary>What the local sign-in page asks: a name, a role and the wards to see.</summary>
public sealed class LocalSignInForm
{
    [Required(ErrorMessage = "Enter a name: it is recorded as the actor of what you do.")]
    [RegularExpression(@"^[\p{L}\p{N}][\p{L}\p{N} .'-]{0,39}$", ErrorMessage = "A name is 1-40 letters, digits, spaces, dots, hyphens or apostrophes.")]
    public string Name { get; set; } = string.Empty;

    public string Role { get; set; } = Roles.Clinician;

    /// <summary>One ward, or <see cref="Caller.EveryWard"/> for every ward.</summary>
    public string Ward { get; set; } = Caller.EveryWard;
}

/// <summary>
/// The one-machine sign-in: mints a token with the local issuer the services trust and keeps it in the session
/// cookie. The services then judge that token exactly as they would one from a hospital's provider.
/// </summary>
public static class LocalSignInPage
{
    public const string Path = "/local-sign-in";

    public static readonly IReadOnlyList<string> OfferedRoles = [Roles.Clinician, Roles.Operator];

    public static async Task SignInAsync(HttpContext http, LocalTokenIssuer issuer, SignInOptions options, LocalSignInForm form)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(form);
        var role = OfferedRoles.Contains(form.Role, StringComparer.Ordinal) ? form.Role : Roles.Clinician;
        string[] wards = form.Ward == Caller.EveryWard || options.LocalWards.Contains(form.Ward, StringComparer.Ordinal) ? [form.Ward] : [];
        var subject = "local-" + form.Name.Trim().ToLowerInvariant().Replace(' ', '-');
        var accessToken = issuer.Mint(subject, [role], wards, options.LocalLifetime);
        var claims = new List<Claim>
        {
            new(Caller.SubjectClaim, subject),
            new(ClinicianIdentity.NameClaim, form.Name.Trim()),
            new(ClinicianIdentity.AccessTokenClaim, accessToken),
        };
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme, ClinicianIdentity.NameClaim, Caller.RoleClaim));
        var expires = ClinicianIdentity.From(principal)!.ExpiresAt;
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal, new AuthenticationProperties { ExpiresUtc = expires, IsPersistent = false });
    }
}
