using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using OpenTelemetry.Instrumentation.AspNetCore;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Dashboard.Clinical;
using VitalTwin.Dashboard.Components;
using VitalTwin.Dashboard.SignIn;

namespace VitalTwin.Dashboard.Extensions;

internal static class DashboardExtensions
{
    private const string PatientPages = "/patients";

    /// <summary>TwinQuery, TwinWhatIf and AlertDesk clients (<c>Dashboard:TwinState</c>, <c>Dashboard:Notification</c>), called as the signed-in user.</summary>
    public static void AddClinicalApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddGrpcClient<TwinQuery.TwinQueryClient>((sp, o) => o.Address = sp.GetRequiredService<IOptions<DashboardOptions>>().Value.TwinState);
        builder.Services.AddGrpcClient<TwinWhatIf.TwinWhatIfClient>((sp, o) => o.Address = sp.GetRequiredService<IOptions<DashboardOptions>>().Value.TwinState);
        builder.Services.AddGrpcClient<AlertDesk.AlertDeskClient>((sp, o) => o.Address = sp.GetRequiredService<IOptions<DashboardOptions>>().Value.Notification);
        builder.Services.AddScoped<ClinicalApi>();
        builder.Services.AddTransient<LiveWatch>();
        builder.Services.AddTransient<WardFeed>();
        builder.Services.AddTransient<PatientFeed>();
    }

    /// <summary>The pages: Blazor with interactive server rendering, MudBlazor's components.</summary>
    public static void AddDashboard(this WebApplicationBuilder builder)
    {
        // Serves the component library's files from the build output too (a published app has them in wwwroot):
        // the one-machine setup runs the dashboard straight from the build, in any environment.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        // A page's address names its patient: traces keep the route, never the identifier.
        builder.Services.Configure<AspNetCoreTraceInstrumentationOptions>(o => o.EnrichWithHttpRequest = (activity, request) =>
        {
            if (request.Path.StartsWithSegments(PatientPages, out _))
            {
                activity.SetTag("url.path", PatientPages + "/{PatientId}");
            }
        });
        builder.Services.AddMudServices();
        builder.Services.AddAntiforgery();
    }

    public static void MapDashboard(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            app.UseHsts();
        }
        app.UseSecurityHeaders();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapGet("/sign-in", SignIn).AllowAnonymous();
        app.MapPost("/sign-out", SignOutAsync).RequireAuthorization();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
    }

    // The provider's page (or, on one machine, the local one), then back to where the user was: a path of this site only.
    private static IResult SignIn(string? returnUrl) =>
        Results.Challenge(new AuthenticationProperties { RedirectUri = IsLocalPath(returnUrl) ? returnUrl : "/" });

    internal static bool IsLocalPath(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));

    // UseAntiforgery checks only endpoints that bind a form, so this post checks its token itself: a page elsewhere
    // cannot sign the user out.
    private static async Task<IResult> SignOutAsync(HttpContext http, IAntiforgery antiforgery, IOptions<SignInOptions> signIn)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Results.BadRequest();
        }
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (signIn.Value.Mode == SignInMode.OpenIdConnect)
        {
            return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIdConnectDefaults.AuthenticationScheme]);
        }
        return Results.LocalRedirect(LocalSignInPage.Path);
    }

    /// <summary>
    /// The headers a clinical web application sends on every response: a content security policy that lets only
    /// this origin's scripts run and no other site frame the pages, no MIME sniffing, no referrer.
    /// </summary>
    private static void UseSecurityHeaders(this WebApplication app)
    {
        var signIn = app.Services.GetRequiredService<IOptions<SignInOptions>>().Value;
        // Signing out posts a form that redirects to the provider's end-session page: form-action must allow it.
        var formAction = signIn.Mode == SignInMode.OpenIdConnect && signIn.Authority is { } authority
            ? $"'self' {authority.GetLeftPart(UriPartial.Authority)}"
            : "'self'";
        // MudBlazor positions popovers with inline styles; scripts stay this origin's only.
        var policy =
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
            $"font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action {formAction}; object-src 'none'";
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = policy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            await next(context);
        });
    }
}
