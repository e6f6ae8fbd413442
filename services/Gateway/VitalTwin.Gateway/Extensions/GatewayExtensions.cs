using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Gateway.Authentication;
using VitalTwin.Consent;
using VitalTwin.Gateway.Devices;
using VitalTwin.Gateway.Fhir;
using VitalTwin.Gateway.Hl7;
using VitalTwin.Gateway.Ingestion;
using VitalTwin.Gateway.Mqtt;
using VitalTwin.Kafka;

namespace VitalTwin.Gateway.Extensions;

internal static class GatewayExtensions
{
    public static void AddGateway(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<DeviceRateLimitOptions>().BindConfiguration(DeviceRateLimitOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        // Kestrel reads only its endpoints from configuration by itself; its limits (Kestrel:Limits, such as the
        // HTTP/2 keep-alive pings that close the connections of devices that vanished mid-stream) are bound here.
        builder.Services.Configure<KestrelServerOptions>(builder.Configuration.GetSection("Kestrel"));
        // gRPC refuses a larger message with RESOURCE_EXHAUSTED before reading it.
        builder.Services.AddOptions<GrpcServiceOptions>().Configure<IOptions<GatewayOptions>>(
            (grpc, gateway) => grpc.MaxReceiveMessageSize = gateway.Value.MaxMessageBytes);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(VitalCatalogue.Default);
        builder.Services.AddSingleton<DeviceBindings>();
        builder.Services.AddSingleton<DeviceCredentials>();
        builder.AddDeviceAuthentication();
        builder.Services.AddSingleton<DeviceRecords>();
        builder.Services.AddSingleton<DeviceFollower>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeviceFollower>());
        // Device bindings are written by the registry (tombstoned on erasure) and read whole by every replica.
        builder.Services.AddKafkaTopology(topology => topology.Produces(topics => topics.Devices).Follows(topics => topics.Devices));
        builder.Services.AddConsentBook();
        builder.Services.AddHostedService<ErasedPatientDevices>();
        builder.Services.AddSingleton<ReadingValidator>();
        builder.Services.AddSingleton<DeliveredReadings>();
        builder.Services.AddSingleton<DeviceRateLimiter>();
        builder.Services.AddOptions<BackPressureOptions>().BindConfiguration(BackPressureOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IngestionBackPressure>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IngestionBackPressure>());
        builder.Services.AddSingleton<ReadingIngestor>();
        builder.Services.AddKafkaTopology(topology => topology.Produces(topics => topics.Telemetry, topics => topics.TelemetryRejected));
        builder.Services.AddSingleton<IngestionMetrics>();
        builder.AddMqttDoor();
        builder.AddHl7Door();
        builder.AddFhirDoor();
    }

    public static void MapGateway(this WebApplication app)
    {
        app.MapGrpcService<IngestionService>();
        app.MapGrpcService<DeviceRegistryService>();
        app.MapFhirDoor();
    }
}
