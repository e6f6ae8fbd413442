using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using VitalTwin.Dashboard.Extensions;
using VitalTwin.Dashboard.SignIn;

namespace VitalTwin.Dashboard.Tests;

/// <summary>
/// Several dashboard replicas behind a TLS-terminating ingress, as real servers on loopback: what one replica
/// encrypted another reads through the shared key ring, and forwarded headers are believed from the proxies named only.
/// </summary>
public sealed class HostingTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _timeout = new(Timeout);

    private readonly List<WebApplication> _hosts = [];

    private readonly List<string> _directories = [];

    private readonly HttpClient _browser = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });

    private WebApplication _provider = null!;

    private CancellationToken Cancellation => _timeout.Token;

    public async Task InitializeAsync()
    {
        // The identity provider's metadata: enough for the sign-in to send the browser there.
        var builder = WebApplication.CreateSlimBuilder();
        OnAFreeLoopbackPort(builder);
        _provider = builder.Build();
        _provider.MapGet("/.well-known/openid-configuration", (HttpContext context) =>
        {
            var issuer = $"{context.Request.Scheme}://{context.Request.Host}";
            return Results.Json(new { issuer, authorization_endpoint = $"{issuer}/authorize", token_endpoint = $"{issuer}/token", jwks_uri = $"{issuer}/jwks", end_session_endpoint = $"{issuer}/logout" });
        });
        _provider.MapGet("/jwks", () => Results.Json(new { keys = Array.Empty<object>() }));
        await _provider.StartAsync(Cancellation);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_the_provider_is_given_the_public_https_address_and_the_session_cookie_is_secure()
    {
        var dashboard = await StartDashboardAsync(trustedProxies: ["127.0.0.0/8"]);

        var signIn = await SendThroughProxyAsync(dashboard, "/sign-in");
        var session = await SendThroughProxyAsync(dashboard, "/write");

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.StartsWith($"{Address(_provider)}/authorize?", signIn.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal("https://ward.hospital.example/signin-oidc", RedirectUri(signIn));
        Assert.Contains("secure", SessionCookie(session).ToLowerInvariant(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.0.0.0/8")]
    public async Task Forwarded_headers_from_a_proxy_not_named_are_ignored(string trustedProxy)
    {
        var dashboard = await StartDashboardAsync(trustedProxy.Length == 0 ? [] : [trustedProxy]);

        var signIn = await SendThroughProxyAsync(dashboard, "/sign-in");
        var session = await SendThroughProxyAsync(dashboard, "/write");

        Assert.Equal($"{Address(dashboard)}/signin-oidc", RedirectUri(signIn));
        Assert.DoesNotContain("secure", SessionCookie(session).ToLowerInvariant(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_one_replica_started_another_replica_sharing_the_key_ring_reads()
    {
        var keys = NewDirectory();
        var first = await StartDashboardAsync(keysDirectory: keys);
        var second = await StartDashboardAsync(keysDirectory: keys);
        var elsewhere = await StartDashboardAsync(keysDirectory: NewDirectory());

        var cookie = SessionCookie(await SendAsync(first, "/write")).Split(';')[0];

        Assert.Equal("Ann Nurse", await ReadAsync(second, cookie));
        Assert.Equal("Ann Nurse", await ReadAsync(first, cookie));
        Assert.Equal("nobody", await ReadAsync(elsewhere, cookie));
        Assert.NotEmpty(Directory.GetFiles(keys, "key-*.xml"));
    }

    [Theory]
    [InlineData("ingress-nginx", "", "TrustedProxies")]
    [InlineData("10.0.0.0/40", "", "TrustedProxies")]
    [InlineData("10.0.0.1", "keys", "KeysDirectory")]
    public void Hosting_settings_that_cannot_work_are_refused_at_start(string proxy, string keysDirectory, string member)
    {
        var options = new DashboardHostingOptions { KeysDirectory = keysDirectory };
        options.TrustedProxies.Add(proxy);

        var problems = options.Validate(new ValidationContext(options)).ToList();

        Assert.Contains(problems, p => p.MemberNames.Contains(member));
    }

    private async Task<WebApplication> StartDashboardAsync(string[]? trustedProxies = null, string? keysDirectory = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        OnAFreeLoopbackPort(builder);
        var settings = new Dictionary<string, string?>
        {
            [$"{SignInOptions.SectionName}:Mode"] = nameof(SignInMode.OpenIdConnect),
            [$"{SignInOptions.SectionName}:Authority"] = Address(_provider),
            [$"{SignInOptions.SectionName}:RequireHttpsMetadata"] = "false",
            [$"{SignInOptions.SectionName}:ClientId"] = "vitaltwin-dashboard",
            [$"{DashboardHostingOptions.SectionName}:KeysDirectory"] = keysDirectory ?? NewDirectory(),
        };
        foreach (var (proxy, index) in (trustedProxies ?? []).Select((proxy, index) => (proxy, index)))
        {
            settings[$"{DashboardHostingOptions.SectionName}:TrustedProxies:{index}"] = proxy;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddDashboardHosting();
        builder.AddDashboardSignIn();
        var app = builder.Build();
        app.UseAuthentication();
        app.MapGet("/sign-in", () => Results.Challenge(new AuthenticationProperties { RedirectUri = "/" }));
        app.MapGet("/write", (HttpContext context) => context.SignInAsync(
            CookieAuthenticationDefaults.AuthenticationScheme,
            new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClinicianIdentity.NameClaim, "Ann Nurse")], "test", ClinicianIdentity.NameClaim, "role"))));
        app.MapGet("/read", async (HttpContext context) =>
            (await context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme)).Principal?.Identity?.Name ?? "nobody");
        await app.StartAsync(Cancellation);
        _hosts.Add(app);
        return app;
    }

    // The dashboard's appsettings.json (beside the tests) names its one-machine port; these servers take any free one.
    private static void OnAFreeLoopbackPort(WebApplicationBuilder builder) =>
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0" });

    private Task<HttpResponseMessage> SendAsync(WebApplication host, string path) =>
        _browser.GetAsync($"{Address(host)}{path}", Cancellation);

    /// <summary>A request as an ingress controller passes it on after terminating TLS for the public host.</summary>
    private Task<HttpResponseMessage> SendThroughProxyAsync(WebApplication host, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"{Address(host)}{path}");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "ward.hospital.example");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        return _browser.SendAsync(request, Cancellation);
    }

    private async Task<string> ReadAsync(WebApplication host, string cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"{Address(host)}/read");
        request.Headers.Add("Cookie", cookie);
        var response = await _browser.SendAsync(request, Cancellation);
        return await response.Content.ReadAsStringAsync(Cancellation);
    }

    private static string RedirectUri(HttpResponseMessage signIn) =>
        Uri.UnescapeDataString(signIn.Headers.Location!.Query.TrimStart('?').Split('&').Single(p => p.StartsWith("redirect_uri=", StringComparison.Ordinal))["redirect_uri=".Length..]);

    private static string SessionCookie(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("vitaltwin-dashboard=", StringComparison.Ordinal));

    private static string Address(WebApplication host) => host.Urls.Single().TrimEnd('/');

    private string NewDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("vitaltwin-dashboard-keys-").FullName;
        _directories.Add(directory);
        return directory;
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts.Append(_provider))
        {
            await host.StopAsync(CancellationToken.None);
            await host.DisposeAsync();
        }

        _directories.ForEach(directory => Directory.Delete(directory, recursive: true));
        _browser.Dispose();
        _timeout.Dispose();
    }
}
