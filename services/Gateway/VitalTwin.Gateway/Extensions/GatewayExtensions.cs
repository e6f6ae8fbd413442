using VitalTwin.Clinical;
using VitalTwin.Gateway.Devices;
using VitalTwin.Gateway.Ingestion;

namespace VitalTwin.Gateway.Extensions;

internal static class GatewayExtensions
{
    public static void AddGateway(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(VitalCatalogue.Default);
        builder.Services.AddSingleton<DeviceBindings>();
        builder.Services.AddHostedService<DeviceBindingsLoader>();
        builder.Services.AddSingleton<ReadingValidator>();
        builder.Services.AddSingleton<ReadingIngestor>();
        builder.Services.AddSingleton<IngestionMetrics>();
    }

    public static void MapGateway(this WebApplication app)
    {
        app.MapGrpcService<IngestionService>();
        app.MapGrpcService<DeviceRegistryService>();
    }
}
