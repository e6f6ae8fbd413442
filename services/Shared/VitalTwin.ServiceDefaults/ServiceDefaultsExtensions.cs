using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using VitalTwin.Kafka;
using VitalTwin.ServiceDefaults.Redaction;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    private const string LiveTag = "live";

    /// <summary>The tag of checks that make <c>/health</c> (readiness) fail, but never <c>/alive</c>.</summary>
    public const string ReadyTag = "ready";

    // MassTransit's ActivitySource: Notification's alert lifecycle runs on its in-memory bus, and only with this
    // source listened to does the bus carry the trace from the Kafka consumer to the saga that publishes the alert.
    private const string MassTransitSource = "MassTransit";

    // Kubernetes waits 30 s (terminationGracePeriodSeconds) after SIGTERM before it kills; consumers must have
    // finished their event in flight, checkpointed and committed, and the producer flushed, before then.
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(25);

    /// <summary>Telemetry, health checks, graceful shutdown and gRPC plumbing shared by every service.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddWebDefaults();
        builder.Services.AddHealthChecks().AddKafka(ReadyTag);
        // A deployment with a longer grace period says so with the host's own setting, which then wins.
        if (builder.Configuration["shutdownTimeoutSeconds"] is null)
        {
            builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);
        }
        builder.Services.AddGrpc(options => options.EnableDetailedErrors = builder.Environment.IsDevelopment());
        builder.Services.AddGrpcHealthChecks();
        builder.Services.AddGrpcReflection();
        builder.Services.AddKafka();
        builder.AddApiAuthentication();
        return builder;
    }

    /// <summary>
    /// What a VitalTwin web application that serves no API of its own and reads no topic (the dashboard) shares
    /// with the services: telemetry, log redaction, graceful shutdown and the liveness check.
    /// </summary>
    public static TBuilder AddWebDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureOpenTelemetry();
        builder.AddLogRedaction();
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    private static void ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            // Named after the service, not the process ("dotnet" when launched as a dll), so a collector tells them apart.
            .ConfigureResource(resource => resource.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                // Every VitalTwin meter: VitalTwin.Kafka, .Pipeline, .Gateway, .AnomalyDetection, .Notification,
                // .Notification.Delivery (the wildcard covers a service's new meters without an edit here).
                .AddMeter("VitalTwin.*"))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(KafkaInstrumentation.ActivitySourceName)
                .AddSource("VitalTwin.*")
                .AddSource(MassTransitSource)
                .AddAspNetCoreInstrumentation(options =>
                    options.Filter = context => !context.Request.Path.StartsWithSegments("/health") && !context.Request.Path.StartsWithSegments("/alive")));

        // Export only where a collector is configured (OTEL_EXPORTER_OTLP_ENDPOINT); a laptop run needs none.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }
    }

    /// <summary>
    /// <c>/alive</c> (liveness), <c>/health</c> (readiness) and gRPC health, open to probes without a token; server
    /// reflection, for authenticated API callers.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthEndpoints();
        app.MapGrpcHealthChecksService().AllowAnonymous();
        app.MapGrpcReflectionService();
        return app;
    }

    /// <summary><c>/alive</c> (liveness) and <c>/health</c> (readiness), open to probes without a token.</summary>
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/health").AllowAnonymous();
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) }).AllowAnonymous();
        return app;
    }
}
