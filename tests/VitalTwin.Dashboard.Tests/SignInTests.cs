using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Dashboard.SignIn;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.Dashboard.Tests;

public sealed class SignInTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_local_sign_in_holds_a_token_of_the_handed_issuer_for_the_role_and_ward_chosen_until_the_shift_ends()
    {
        var clock = new FakeTimeProvider(Start);
        using var services = new LocalTokenIssuer(clock: clock);
        using var dashboard = LocalTokenIssuer.FromPrivateKeyPem(services.ExportPrivateKeyPem(), clock: clock);
        var options = new SignInOptions { Mode = SignInMode.Local, LocalLifetime = TimeSpan.FromHours(8) };
        options.LocalWards.Add("ward-a");
        var (http, signedIn) = HttpContextCapturingSignIn();

        await LocalSignInPage.SignInAsync(http, dashboard, options, new LocalSignInForm { Name = "Ann Nurse", Role = Roles.Clinician, Ward = "ward-a" });

        var identity = ClinicianIdentity.From(signedIn())!;
        Assert.Equal("Ann Nurse", identity.DisplayName);
        Assert.Equal("local-ann-nurse", identity.Subject);
        Assert.Equal(["ward-a"], identity.Wards);
        Assert.True(identity.IsClinician);
        Assert.Equal(Start.AddHours(8), identity.ExpiresAt);
        // The services trust it: it verifies with the public key they are configured with.
        Assert.Equal(services.PublicKeyPem, dashboard.PublicKeyPem);
    }

    [Fact]
    public async Task A_ward_not_offered_on_the_page_grants_no_ward()
    {
        using var issuer = new LocalTokenIssuer();
        var options = new SignInOptions { Mode = SignInMode.Local };
        options.LocalWards.Add("ward-a");
        var (http, signedIn) = HttpContextCapturingSignIn();

        await LocalSignInPage.SignInAsync(http, issuer, options, new LocalSignInForm { Name = "Bob", Ward = "ward-z" });

        Assert.Empty(ClinicianIdentity.From(signedIn())!.Wards);
    }

    [Theory]
    [InlineData(SignInMode.OpenIdConnect, null, "client", "Authority")]
    [InlineData(SignInMode.OpenIdConnect, "http://idp.example", "client", "Authority")]
    [InlineData(SignInMode.OpenIdConnect, "https://idp.example", "", "ClientId")]
    [InlineData(SignInMode.Local, null, "", "LocalSigningKey")]
    public void Sign_in_settings_that_cannot_work_are_refused_at_start(SignInMode mode, string? authority, string clientId, string member)
    {
        var options = new SignInOptions { Mode = mode, Authority = authority is null ? null : new Uri(authority), ClientId = clientId };

        var problems = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).ToList();

        Assert.Contains(problems, p => p.MemberNames.Contains(member));
    }

    private static (HttpContext Http, Func<ClaimsPrincipal> SignedIn) HttpContextCapturingSignIn()
    {
        var recorder = new RecordingAuthentication();
        var services = new ServiceCollection().AddSingleton<IAuthenticationService>(recorder).BuildServiceProvider();
        return (new DefaultHttpContext { RequestServices = services }, () => recorder.Principal ?? throw new InvalidOperationException("nobody signed in"));
    }

    private sealed class RecordingAuthentication : IAuthenticationService
    {
        public ClaimsPrincipal? Principal { get; private set; }

        public Task SignInAsync(HttpContext context, string? scheme, ClaimsPrincipal principal, AuthenticationProperties? properties)
        {
            Assert.Equal(CookieAuthenticationDefaults.AuthenticationScheme, scheme);
            Principal = principal;
            return Task.CompletedTask;
        }

        public Task<AuthenticateResult> AuthenticateAsync(HttpContext context, string? scheme) => throw new NotSupportedException();

        public Task ChallengeAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) => throw new NotSupportedException();

        public Task ForbidAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) => throw new NotSupportedException();

        public Task SignOutAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) => throw new NotSupportedException();
    }
}
