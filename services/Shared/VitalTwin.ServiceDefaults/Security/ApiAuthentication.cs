using Grpc.Core;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using VitalTwin.Kafka;

namespace VitalTwin.ServiceDefaults.Security;

/// <summary>
/// JWT bearer authentication of API callers and the audit trail of their accesses. A gRPC service states who
/// may call it with <c>[Authorize(Roles = ...)]</c> (<see cref="Roles"/>); whose data a caller may see is the
/// service's decision, on <see cref="Caller"/>.
/// </summary>
public static class ApiAuthentication
{
    /// <summary>The scheme of API callers' bearer tokens.</summary>
    public const string BearerScheme = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>The request header in which a caller says why it accesses the data (e.g. TREAT), recorded in the audit trail.</summary>
    public const string PurposeHeader = "x-purpose-of-use";

    public static TBuilder AddApiAuthentication<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<ApiAuthenticationOptions>().BindConfiguration(ApiAuthenticationOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddAuthentication(BearerScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(BearerScheme).Configure<IOptions<ApiAuthenticationOptions>>(Configure);
        // An endpoint that states nothing is not open to everyone: it needs an authenticated API caller. Every
        // service method says who may call it ([Authorize(Roles = ...)], the Gateway's device policy); the health
        // endpoints, which Kubernetes probes without a token, say [AllowAnonymous] (MapDefaultEndpoints).
        services.AddAuthorization(options => options.FallbackPolicy = new AuthorizationPolicyBuilder(BearerScheme).RequireAuthenticatedUser().Build());
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuditedAuthorizationResultHandler>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AuditTrail>();
        services.AddKafkaTopology(topology => topology.Produces(topics => topics.Audit));
        services.AddHostedService<AuthConfigurationCheck>();
        return builder;
    }

    private static void Configure(JwtBearerOptions jwt, IOptions<ApiAuthenticationOptions> options)
    {
        var auth = options.Value;
        // Claims keep their names as issued (sub, role, ward) instead of being mapped to long WS-* URIs.
        jwt.MapInboundClaims = false;
        jwt.Audience = auth.Audience;
        if (auth.Authority is { } authority)
        {
            jwt.Authority = authority.ToString();
            jwt.RequireHttpsMetadata = auth.RequireHttpsMetadata;
        }
        jwt.Events = new JwtBearerEvents
        {
            OnChallenge = context =>
            {
                if (GrpcRefusal.IsGrpc(context.Request))
                {
                    context.HandleResponse();
                    GrpcRefusal.Write(context.Response, StatusCode.Unauthenticated, GrpcRefusal.Unauthenticated(context.AuthenticateFailure, context.Request, auth.AcceptedAlgorithms));
                }
                return Task.CompletedTask;
            },
        };
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = auth.Issuer,
            ValidAudience = auth.Audience,
            IssuerSigningKeys = auth.SigningKeys.Select(pem => TokenKeys.TryParsePublicKey(pem, out var key) ? key : null).OfType<SecurityKey>().ToList(),
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ValidTypes = auth.AcceptedTokenTypes,
            ValidAlgorithms = auth.AcceptedAlgorithms,
            ClockSkew = auth.ClockSkew,
            NameClaimType = Caller.SubjectClaim,
            RoleClaimType = Caller.RoleClaim,
        };
    }
}
